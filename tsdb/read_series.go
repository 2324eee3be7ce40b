package tsdb

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Series is one stored series as reads see it.
type Series struct {
	ID       int64             `db:"id"`
	AgentID  uuid.UUID         `db:"agent_id"`
	Hostname string            `db:"hostname"` // MetricSeries only
	Metric   string            `db:"metric"`
	Labels   map[string]string `db:"labels"`
}

const agentSeriesSQL = `SELECT id, agent_id, '' AS hostname, metric, labels FROM series
WHERE tenant_id = $1 AND agent_id = $2 AND (cardinality($3::text[]) = 0 OR metric = ANY($3))
  AND labels @> $4::jsonb
ORDER BY metric, labels::text
LIMIT $5`

// AgentSeries lists up to limit series of the tenant's agent, those named
// in metrics (all when empty) whose labels hold every pair of equal, by
// metric and labels.
func (r *Reader) AgentSeries(ctx context.Context, tenantID, agentID uuid.UUID, metrics []string, equal map[string]string, limit int) ([]Series, error) {
	if metrics == nil {
		metrics = []string{}
	}
	rows, _ := r.pool.Query(ctx, agentSeriesSQL, tenantID, agentID, metrics, containing(equal), limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Series])
	if err != nil {
		return nil, fmt.Errorf("list agent series: %w", err)
	}
	return out, nil
}

const metricSeriesSQL = `SELECT s.id, s.agent_id, a.hostname, s.metric, s.labels
FROM series s JOIN agents a ON a.id = s.agent_id AND a.tenant_id = s.tenant_id
WHERE s.tenant_id = $1 AND s.metric = $2 AND s.labels @> $3::jsonb AND a.deleted_at IS NULL
ORDER BY s.id
LIMIT $4`

// MetricSeries lists up to limit series of metric over the tenant's live
// agents whose labels hold every pair of equal, with each agent's
// hostname.
func (r *Reader) MetricSeries(ctx context.Context, tenantID uuid.UUID, metric string, equal map[string]string, limit int) ([]Series, error) {
	rows, _ := r.pool.Query(ctx, metricSeriesSQL, tenantID, metric, containing(equal), limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Series])
	if err != nil {
		return nil, fmt.Errorf("list metric series: %w", err)
	}
	return out, nil
}

// containing is the jsonb a series' labels must contain: {} for none.
func containing(equal map[string]string) map[string]string {
	if equal == nil {
		return map[string]string{}
	}
	return equal
}

// MetricName is a metric seen in a tenant, the label keys its series use
// and how many series it has.
type MetricName struct {
	Metric    string   `db:"metric"`
	Series    int64    `db:"series"`
	LabelKeys []string `db:"label_keys"`
}

const metricNamesSQL = `SELECT s.metric, count(DISTINCT s.id) AS series,
  coalesce(array_agg(DISTINCT k.key ORDER BY k.key) FILTER (WHERE k.key IS NOT NULL), '{}') AS label_keys
FROM series s LEFT JOIN LATERAL jsonb_object_keys(s.labels) AS k(key) ON true
WHERE s.tenant_id = $1 AND ($2::uuid IS NULL OR s.agent_id = $2)
GROUP BY s.metric
ORDER BY s.metric
LIMIT $3`

// Names lists up to limit metric names of the tenant (of one agent when
// agentID is set), by name.
func (r *Reader) Names(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID, limit int) ([]MetricName, error) {
	rows, _ := r.pool.Query(ctx, metricNamesSQL, tenantID, agentID, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[MetricName])
	if err != nil {
		return nil, fmt.Errorf("list metric names: %w", err)
	}
	return out, nil
}
