package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// UpdateCounts is how many of an agent's installed packages its
// repositories offer newer, and how many of those are security updates,
// from its latest "updates" inventory.
type UpdateCounts struct {
	AgentID  uuid.UUID `db:"agent_id"`
	Updates  int       `db:"updates"`
	Security int       `db:"security"`
}

const updateCountsSQL = `SELECT l.agent_id, count(i.key)::int AS updates,
  count(*) FILTER (WHERE i.item->>'security' = 'true')::int AS security
FROM inventory_latest l
LEFT JOIN inventory_items i ON i.agent_id = l.agent_id AND i.kind = 'updates'
WHERE l.tenant_id = $1 AND l.agent_id = ANY($2::uuid[]) AND l.kind = 'updates'
GROUP BY l.agent_id`

// PendingUpdateCounts answers the counts of each agent that reported the
// updates kind (zero counts included); an agent that never sent it has no
// entry.
func (s *Store) PendingUpdateCounts(ctx context.Context, tenantID uuid.UUID, agentIDs []uuid.UUID) (map[uuid.UUID]UpdateCounts, error) {
	rows, _ := s.pool.Query(ctx, updateCountsSQL, tenantID, agentIDs)
	counts, err := pgx.CollectRows(rows, pgx.RowToStructByName[UpdateCounts])
	if err != nil {
		return nil, fmt.Errorf("count pending updates: %w", err)
	}
	out := make(map[uuid.UUID]UpdateCounts, len(counts))
	for _, c := range counts {
		out[c.AgentID] = c
	}
	return out, nil
}
