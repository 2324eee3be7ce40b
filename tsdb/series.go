package tsdb

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// NewSeries describes a series to find or create.
type NewSeries struct {
	TenantID   uuid.UUID
	AgentID    *uuid.UUID // nil: a tenant-level series (remote-write under an API key)
	Metric     string
	Labels     []byte // JSON object
	LabelsHash []byte // 16 bytes
}

// resolveSeriesSQL inserts the series that do not exist and returns every
// input row's id in input order. Rows another transaction inserted after
// this statement's snapshot come back NULL; ResolveSeries reads them again.
const resolveSeriesSQL = `WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::bytea[])
    WITH ORDINALITY AS t(tenant_id, agent_id, metric, labels, labels_hash, ord)
), inserted AS (
  INSERT INTO series (tenant_id, agent_id, metric, labels, labels_hash)
  SELECT tenant_id, agent_id, metric, labels, labels_hash FROM input ORDER BY ord
  ON CONFLICT ON CONSTRAINT series_identity_key DO NOTHING
  RETURNING id, tenant_id, agent_id, metric, labels_hash
)
SELECT i.ord, COALESCE(n.id, s.id)
FROM input i
LEFT JOIN inserted n ON n.tenant_id = i.tenant_id AND n.agent_id IS NOT DISTINCT FROM i.agent_id
  AND n.metric = i.metric AND n.labels_hash = i.labels_hash
LEFT JOIN series s ON s.tenant_id = i.tenant_id AND s.agent_id IS NOT DISTINCT FROM i.agent_id
  AND s.metric = i.metric AND s.labels_hash = i.labels_hash`

// ResolveSeries returns the id of each series, creating the missing ones.
// Safe against concurrent resolvers of the same new series.
func ResolveSeries(ctx context.Context, pool *pgxpool.Pool, in []NewSeries) ([]int64, error) {
	ids := make([]int64, len(in))
	todo := make([]int, len(in))
	for i := range todo {
		todo[i] = i
	}
	for attempt := 0; len(todo) > 0; attempt++ {
		if attempt == 3 {
			return nil, fmt.Errorf("resolve series: %d series still unresolved after retries", len(todo))
		}
		tenants := make([]uuid.UUID, len(todo))
		agents := make([]*uuid.UUID, len(todo))
		metrics := make([]string, len(todo))
		labels := make([]string, len(todo))
		hashes := make([][]byte, len(todo))
		for j, i := range todo {
			s := in[i]
			tenants[j], agents[j], metrics[j], labels[j], hashes[j] = s.TenantID, s.AgentID, s.Metric, string(s.Labels), s.LabelsHash
		}
		rows, err := pool.Query(ctx, resolveSeriesSQL, tenants, agents, metrics, labels, hashes)
		if err != nil {
			return nil, fmt.Errorf("resolve series: %w", err)
		}
		var next []int
		var ord int64
		var id *int64
		_, err = pgx.ForEachRow(rows, []any{&ord, &id}, func() error {
			i := todo[ord-1]
			if id == nil {
				next = append(next, i)
			} else {
				ids[i] = *id
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("resolve series: %w", err)
		}
		todo = next
	}
	return ids, nil
}
