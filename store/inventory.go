package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// InventoryKind is the latest collection of one inventory kind of an agent.
type InventoryKind struct {
	Kind        string    `db:"kind"`
	CollectedAt time.Time `db:"collected_at"`
	SeenAt      time.Time `db:"seen_at"` // last time the agent sent this kind, changed or not
	Error       string    `db:"error"`
	Items       int       `db:"items"`
}

const agentLiveSQL = `SELECT EXISTS (SELECT 1 FROM agents WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL)`

// checkAgent answers ErrNotFound unless the agent is a live one of the
// tenant: other tenants' agents do not exist for the caller.
func (s *Store) checkAgent(ctx context.Context, tenantID, agentID uuid.UUID) error {
	var ok bool
	if err := s.pool.QueryRow(ctx, agentLiveSQL, tenantID, agentID).Scan(&ok); err != nil {
		return fmt.Errorf("look up agent: %w", err)
	}
	if !ok {
		return fmt.Errorf("look up agent: %w", ErrNotFound)
	}
	return nil
}

const inventoryKindsSQL = `SELECT l.kind, s.collected_at, l.seen_at, s.error,
  CASE jsonb_typeof(s.items) WHEN 'array' THEN jsonb_array_length(s.items) WHEN 'object' THEN 1 ELSE 0 END AS items
FROM inventory_latest l JOIN inventory_snapshots s ON s.id = l.snapshot_id
WHERE l.tenant_id = $1 AND l.agent_id = $2
UNION ALL
SELECT 'processes', p.collected_at, p.collected_at, p.error,
  CASE jsonb_typeof(p.items) WHEN 'array' THEN jsonb_array_length(p.items) ELSE 0 END
FROM agent_processes p WHERE p.tenant_id = $1 AND p.agent_id = $2
ORDER BY kind`

// InventoryKinds lists every kind the agent reported, with its latest
// collection time, error and item count.
func (s *Store) InventoryKinds(ctx context.Context, tenantID, agentID uuid.UUID) ([]InventoryKind, error) {
	if err := s.checkAgent(ctx, tenantID, agentID); err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, inventoryKindsSQL, tenantID, agentID)
	kinds, err := pgx.CollectRows(rows, pgx.RowToStructByName[InventoryKind])
	if err != nil {
		return nil, fmt.Errorf("list inventory kinds: %w", err)
	}
	return kinds, nil
}

// InventoryItem is one item of an agent's latest inventory of a kind.
type InventoryItem struct {
	Key  string          `db:"key"`
	Hash string          `db:"hash"` // orders items that share a key
	Item json.RawMessage `db:"item"`
}

// ItemFilter narrows the latest items of one kind. Zero fields do not
// filter.
type ItemFilter struct {
	Name     string         // case-insensitive substring of the item's name
	Contains map[string]any // fields the item must have with these values (JSON containment)
	After    *ItemCursor
	Limit    int
}

// ItemCursor is the position after the last item of a page: items are
// ordered by key, then by a hash of their content.
type ItemCursor struct {
	Key  string `json:"k"`
	Hash string `json:"h"`
}

// LatestItems is one page of an agent's latest items of a kind, and when
// they were collected.
type LatestItems struct {
	CollectedAt *time.Time // nil when the agent never sent the kind
	Error       string
	Items       []InventoryItem
}

const latestKindSQL = `SELECT s.collected_at, s.error FROM inventory_latest l JOIN inventory_snapshots s ON s.id = l.snapshot_id
WHERE l.tenant_id = $1 AND l.agent_id = $2 AND l.kind = $3`

const latestItemsSQL = `SELECT key, md5(item::text) AS hash, item FROM inventory_items
WHERE tenant_id = $1 AND agent_id = $2 AND kind = $3
  AND ($4 = '' OR name ILIKE '%' || $4 || '%' ESCAPE '\')
  AND ($5::jsonb IS NULL OR item @> $5::jsonb)
  AND ($6::text IS NULL OR (key, md5(item::text)) > ($6, $7::text))
ORDER BY key, md5(item::text) LIMIT $8`

// InventoryItems returns a page of the agent's latest items of kind.
func (s *Store) InventoryItems(ctx context.Context, tenantID, agentID uuid.UUID, kind string, f ItemFilter) (LatestItems, error) {
	var out LatestItems
	if err := s.checkAgent(ctx, tenantID, agentID); err != nil {
		return out, err
	}
	var at time.Time
	err := s.pool.QueryRow(ctx, latestKindSQL, tenantID, agentID, kind).Scan(&at, &out.Error)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		out.Items = []InventoryItem{}
		return out, nil
	case err != nil:
		return out, fmt.Errorf("read latest inventory: %w", err)
	}
	out.CollectedAt = &at
	var contains []byte
	if len(f.Contains) > 0 {
		if contains, err = json.Marshal(f.Contains); err != nil {
			return out, fmt.Errorf("encode item filter: %w", err)
		}
	}
	var afterKey, afterHash *string
	if f.After != nil {
		afterKey, afterHash = &f.After.Key, &f.After.Hash
	}
	rows, _ := s.pool.Query(ctx, latestItemsSQL, tenantID, agentID, kind, escapeLike(f.Name), contains, afterKey, afterHash, f.Limit)
	if out.Items, err = pgx.CollectRows(rows, pgx.RowToStructByName[InventoryItem]); err != nil {
		return out, fmt.Errorf("list inventory items: %w", err)
	}
	return out, nil
}

// Processes is an agent's latest top-process list as sent.
type Processes struct {
	CollectedAt time.Time       `db:"collected_at"`
	Error       string          `db:"error"`
	Items       json.RawMessage `db:"items"`
}

const processesSQL = `SELECT collected_at, error, items FROM agent_processes WHERE tenant_id = $1 AND agent_id = $2`

// LatestProcesses returns the agent's latest process list; a zero
// CollectedAt means the agent never sent one.
func (s *Store) LatestProcesses(ctx context.Context, tenantID, agentID uuid.UUID) (Processes, error) {
	if err := s.checkAgent(ctx, tenantID, agentID); err != nil {
		return Processes{}, err
	}
	rows, _ := s.pool.Query(ctx, processesSQL, tenantID, agentID)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Processes])
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Processes{}, nil
	case err != nil:
		return Processes{}, fmt.Errorf("read processes: %w", err)
	}
	return p, nil
}
