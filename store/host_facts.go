package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// HostFacts is an agent's latest host inventory (one wire.HostInfo
// object): operating system, kernel, CPU, memory, virtualization.
type HostFacts struct {
	AgentID     uuid.UUID       `db:"agent_id"`
	Info        json.RawMessage `db:"items"`
	CollectedAt time.Time       `db:"collected_at"`
	Error       string          `db:"error"`
}

const hostFactsSQL = `SELECT l.agent_id, s.items, s.collected_at, s.error
FROM inventory_latest l JOIN inventory_snapshots s ON s.id = l.snapshot_id
WHERE l.tenant_id = $1 AND l.agent_id = ANY($2::uuid[]) AND l.kind = 'host'`

// HostFacts returns the latest host inventory of each of the tenant's
// agents that sent one, by agent.
func (s *Store) HostFacts(ctx context.Context, tenantID uuid.UUID, agentIDs []uuid.UUID) (map[uuid.UUID]HostFacts, error) {
	rows, _ := s.pool.Query(ctx, hostFactsSQL, tenantID, agentIDs)
	facts, err := pgx.CollectRows(rows, pgx.RowToStructByName[HostFacts])
	if err != nil {
		return nil, fmt.Errorf("read host facts: %w", err)
	}
	out := make(map[uuid.UUID]HostFacts, len(facts))
	for _, f := range facts {
		out[f.AgentID] = f
	}
	return out, nil
}
