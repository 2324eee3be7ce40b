package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// AgentKind is one agent's latest items of one inventory kind.
type AgentKind struct {
	AgentID  uuid.UUID       `db:"agent_id"`
	Hostname string          `db:"hostname"`
	Kind     string          `db:"kind"`
	Items    json.RawMessage `db:"items"`
}

const tenantKindsSQL = `SELECT a.id AS agent_id, a.hostname, coalesce(l.kind, '') AS kind, coalesce(s.items, 'null') AS items
FROM agents a
LEFT JOIN inventory_latest l ON l.agent_id = a.id AND l.kind = ANY ($2)
LEFT JOIN inventory_snapshots s ON s.id = l.snapshot_id
WHERE a.tenant_id = $1 AND a.deleted_at IS NULL
ORDER BY a.id, l.kind`

// TenantInventoryKinds lists every live agent of a tenant with its latest
// items of the given kinds (an agent without any appears once with an
// empty Kind).
func (s *Store) TenantInventoryKinds(ctx context.Context, tenantID uuid.UUID, kinds []string) ([]AgentKind, error) {
	rows, _ := s.pool.Query(ctx, tenantKindsSQL, tenantID, kinds)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AgentKind])
	if err != nil {
		return nil, fmt.Errorf("list tenant inventory: %w", err)
	}
	return out, nil
}
