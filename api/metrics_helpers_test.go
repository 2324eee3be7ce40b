package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/monsys/monsys/tsdb"
)

// writeSeries stores one series of the agent with samples at times, and
// returns its id.
func (e *env) writeSeries(tenant, agent uuid.UUID, metric string, labels map[string]string, times []time.Time, values []float64) int64 {
	e.t.Helper()
	ctx := context.Background()
	lj, err := json.Marshal(labels)
	if err != nil {
		e.t.Fatal(err)
	}
	h := sha256.Sum256(append([]byte(metric+"\x00"), lj...))
	ids, err := tsdb.ResolveSeries(ctx, e.pool, []tsdb.NewSeries{{TenantID: tenant, AgentID: &agent, Metric: metric, Labels: lj, LabelsHash: h[:16]}})
	if err != nil {
		e.t.Fatal(err)
	}
	rows := &tsdb.SampleRows{}
	for i, t := range times {
		rows.TimesMs = append(rows.TimesMs, t.UnixMilli())
		rows.SeriesIDs = append(rows.SeriesIDs, ids[0])
		rows.Values = append(rows.Values, values[i])
	}
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Release()
	if _, err := tsdb.CopySamples(ctx, conn.Conn().PgConn(), rows, nil); err != nil {
		e.t.Fatal(err)
	}
	return ids[0]
}

// rollUp rolls everything complete up, as the hub's workers (plain
// PostgreSQL) or TimescaleDB's policies would by now.
func (e *env) rollUp() {
	e.t.Helper()
	ctx := context.Background()
	if testDB.Dialect() == tsdb.TimescaleDB {
		for _, stmt := range []string{
			`CALL refresh_continuous_aggregate('samples_1m', NULL, now() - INTERVAL '1 minute')`,
			`CALL refresh_continuous_aggregate('samples_1h', NULL, now() - INTERVAL '1 hour')`,
		} {
			for try := 0; ; try++ {
				_, err := e.pool.Exec(ctx, stmt)
				var pgErr *pgconn.PgError
				if err == nil {
					break
				}
				if try == 100 || !errors.As(err, &pgErr) || pgErr.Code != "55P03" { // 55P03: the policy job is refreshing too
					e.t.Fatal(err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		return
	}
	if _, err := tsdb.NewRollup(e.pool, tsdb.Postgres, tsdb.RollupConfig{Start: 8 * 24 * time.Hour}).Run(ctx, time.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// every returns n times step apart, ending at end.
func every(end time.Time, step time.Duration, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = end.Add(-time.Duration(n-1-i) * step)
	}
	return out
}

// constant returns n copies of v.
func constant(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// metricsAnswer is the decoded body of GET /agents/:id/metrics.
type metricsAnswer struct {
	AgentID  string    `json:"agent_id"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Interval string    `json:"interval"`
	Source   string    `json:"source"`
	// Set while late samples are not in the rollup read yet.
	PendingFrom  *time.Time `json:"pending_from"`
	PendingUntil *time.Time `json:"pending_until"`
	Warnings     []string   `json:"warnings"`
	Series       []struct {
		Metric string            `json:"metric"`
		Labels map[string]string `json:"labels"`
		Points [][2]float64      `json:"points"`
	} `json:"series"`
}
