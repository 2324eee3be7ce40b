package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// SearchQuery finds items of one kind across the tenant's live agents by
// name (exact, or a prefix), optionally of one version.
type SearchQuery struct {
	Kind    string
	Name    string
	Prefix  bool
	Version string
	After   *SearchCursor
	Limit   int
}

// SearchCursor is the position after the last hit of a page: hits are
// ordered by name, version, agent and key.
type SearchCursor struct {
	Name    string    `json:"n"`
	Version string    `json:"v"`
	AgentID uuid.UUID `json:"a"`
	Key     string    `json:"k"`
}

// SearchHit is one agent holding a matching item.
type SearchHit struct {
	AgentID     uuid.UUID       `db:"agent_id"`
	Hostname    string          `db:"hostname"`
	Kind        string          `db:"kind"`
	Key         string          `db:"key"`
	Name        string          `db:"name"`
	Version     string          `db:"version"`
	Item        json.RawMessage `db:"item"`
	CollectedAt time.Time       `db:"collected_at"`
}

// The search SQL reads inventory_items_search_idx: (tenant, kind, name
// "C", version, agent) answers an exact name or a byte-order prefix range
// without touching other names; $3..$4 is the name range. Optional
// conditions are separate statements, not "$n IS NULL OR …": a cached
// generic plan of the OR form sorted every match (47 ms for a page of
// openssl over 3000 agents, against 4 ms for the plain form).
const (
	searchHead = `SELECT i.agent_id, a.hostname, i.kind, i.key, i.name, i.version, i.item, s.collected_at
FROM inventory_items i
JOIN agents a ON a.id = i.agent_id AND a.deleted_at IS NULL
JOIN inventory_snapshots s ON s.id = i.snapshot_id
WHERE i.tenant_id = $1 AND i.kind = $2 AND i.name COLLATE "C" >= $3 AND i.name COLLATE "C" <= $4`
	searchOrder   = ` ORDER BY i.name COLLATE "C", i.version, i.agent_id, i.key LIMIT `
	searchAfter5  = ` AND (i.name COLLATE "C", i.version, i.agent_id, i.key) > ($5 COLLATE "C", $6::text, $7::uuid, $8::text)`
	searchAfter6  = ` AND (i.name COLLATE "C", i.version, i.agent_id, i.key) > ($6 COLLATE "C", $7::text, $8::uuid, $9::text)`
	searchSQL     = searchHead + searchOrder + `$5`
	searchVerSQL  = searchHead + ` AND i.version = $5` + searchOrder + `$6`
	searchNextSQL = searchHead + searchAfter5 + searchOrder + `$9`
	searchBothSQL = searchHead + ` AND i.version = $5` + searchAfter6 + searchOrder + `$10`
)

// maxRune sorts after every other character in byte order: name plus it
// bounds every name that starts with name.
const maxRune = "\U0010FFFF"

// SearchInventory finds which agents hold an item, fleet-wide within the
// tenant.
func (s *Store) SearchInventory(ctx context.Context, tenantID uuid.UUID, q SearchQuery) ([]SearchHit, error) {
	lo, hi := q.Name, q.Name
	if q.Prefix {
		hi = q.Name + maxRune
	}
	sql, args := searchSQL, []any{tenantID, q.Kind, lo, hi}
	if q.Version != "" {
		sql, args = searchVerSQL, append(args, q.Version)
	}
	if c := q.After; c != nil {
		sql, args = searchNextSQL, append(args, c.Name, c.Version, c.AgentID, c.Key)
		if q.Version != "" {
			sql = searchBothSQL
		}
	}
	rows, _ := s.pool.Query(ctx, sql, append(args, q.Limit)...)
	hits, err := pgx.CollectRows(rows, pgx.RowToStructByName[SearchHit])
	if err != nil {
		return nil, fmt.Errorf("search inventory: %w", err)
	}
	return hits, nil
}
