package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// FleetAgent is an agent with the governance fields the fleet page filters
// and shows.
type FleetAgent struct {
	Agent
	Environment string   `db:"environment"`
	Tags        []string `db:"tags"`
}

// FleetFilter narrows the fleet. Zero fields do not filter. Status is left
// to the caller, which counts every status of the filtered fleet.
type FleetFilter struct {
	Hostname    string // case-insensitive substring
	Environment string // governance environment, exactly
	Tag         string // one governance tag, exactly
	Limit       int    // at most this many agents, by hostname
}

const fleetAgentsSQL = `SELECT ` + agentColumns + `,
  COALESCE(a.governance->>'environment', '') AS environment,
  ARRAY(SELECT jsonb_array_elements_text(COALESCE(a.governance->'tags', '[]'::jsonb))) AS tags
FROM agents a
WHERE a.tenant_id = $1 AND a.deleted_at IS NULL
  AND ($2 = '' OR a.hostname ILIKE '%' || $2 || '%' ESCAPE '\')
  AND ($3 = '' OR a.governance->>'environment' = $3)
  AND ($4 = '' OR a.governance->'tags' ? $4)
ORDER BY a.hostname, a.id LIMIT $5`

// FleetAgents lists the tenant's live agents that pass f, by hostname,
// with their environment and tags, in one read.
func (s *Store) FleetAgents(ctx context.Context, tenantID uuid.UUID, f FleetFilter) ([]FleetAgent, error) {
	rows, _ := s.pool.Query(ctx, fleetAgentsSQL, tenantID, escapeLike(f.Hostname), f.Environment, f.Tag, f.Limit)
	agents, err := pgx.CollectRows(rows, pgx.RowToStructByName[FleetAgent])
	if err != nil {
		return nil, fmt.Errorf("list fleet: %w", err)
	}
	return agents, nil
}
