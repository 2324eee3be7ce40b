package load

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// Fleet is what Fixture created: one tenant, its agents, and the id of
// the first series. Series ids are consecutive in (agent, series) order.
type Fleet struct {
	Tenant   uuid.UUID
	Agents   []uuid.UUID
	FirstID  int64
	PerAgent int // series per agent
}

// SeriesCount is the number of series of the whole fleet.
func (f Fleet) SeriesCount() int { return len(f.Agents) * f.PerAgent }

const (
	insertTenantSQL = `INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $2)`
	insertAgentSQL  = `INSERT INTO agents (id, tenant_id, machine_id, hostname) VALUES ($1, $2, $3, $3)`
)

// Fixture creates a tenant (slug unique per call), nAgents agents and
// nSeries series for each. Of each agent's series the first 4 are
// cpu_usage_ratio{cpu="0".."3"}, the rest bench_metric_k.
func Fixture(ctx context.Context, pool *pgxpool.Pool, nAgents, nSeries int) (Fleet, error) {
	f := Fleet{Tenant: uuid.Must(uuid.NewV7()), Agents: make([]uuid.UUID, nAgents), PerAgent: nSeries}
	if _, err := pool.Exec(ctx, insertTenantSQL, f.Tenant, "load-"+f.Tenant.String()); err != nil {
		return f, fmt.Errorf("insert tenant: %w", err)
	}
	var in []tsdb.NewSeries
	for a := range f.Agents {
		f.Agents[a] = uuid.Must(uuid.NewV7())
		if _, err := pool.Exec(ctx, insertAgentSQL, f.Agents[a], f.Tenant, fmt.Sprintf("host-%03d", a)); err != nil {
			return f, fmt.Errorf("insert agent: %w", err)
		}
		for k := range nSeries {
			metric, labels := fmt.Sprintf("bench_metric_%d", k), map[string]string{}
			if k < 4 {
				metric, labels = "cpu_usage_ratio", map[string]string{"cpu": strconv.Itoa(k)}
			}
			lj, _ := json.Marshal(labels) // a map of strings always encodes
			h := sha256.Sum256(append([]byte(metric+"\x00"), lj...))
			in = append(in, tsdb.NewSeries{TenantID: f.Tenant, AgentID: &f.Agents[a], Metric: metric, Labels: lj, LabelsHash: h[:16]})
		}
	}
	ids, err := tsdb.ResolveSeries(ctx, pool, in)
	if err != nil {
		return f, fmt.Errorf("create series: %w", err)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] != ids[0]+int64(i) {
			return f, fmt.Errorf("series ids are not consecutive: %d then %d", ids[i-1], ids[i])
		}
	}
	if len(ids) > 0 {
		f.FirstID = ids[0]
	}
	return f, nil
}
