package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// CeilingConfig is one ceiling run: Rows rows over Conns connections in
// COPYs of at most CopyRows, shaped like the agents' batches.
type CeilingConfig struct {
	Rows      int64
	Conns     int
	CopyRows  int // the hub's flushers take up to 50 000 rows a transaction
	PerSeries int
	Step      time.Duration // between an agent's samples of one series
}

// CeilingResult is the raw COPY rate.
type CeilingResult struct {
	Rows          int64   `json:"rows"`
	Conns         int     `json:"connections"`
	CopyRows      int     `json:"rows_per_copy"`
	Seconds       float64 `json:"seconds"`
	SamplesPerSec float64 `json:"samples_per_sec"`
}

const agentSeriesSQL = `SELECT agent_id, id FROM series WHERE agent_id = ANY($1::uuid[]) ORDER BY agent_id, id`

// AgentSeries returns each agent's series ids, in the order of agentIDs.
func AgentSeries(ctx context.Context, pool *pgxpool.Pool, agentIDs []string) ([][]int64, error) {
	rows, err := pool.Query(ctx, agentSeriesSQL, agentIDs)
	if err != nil {
		return nil, fmt.Errorf("list series: %w", err)
	}
	byAgent := map[string][]int64{}
	var agent string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&agent, &id}, func() error {
		byAgent[agent] = append(byAgent[agent], id)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list series: %w", err)
	}
	out := make([][]int64, len(agentIDs))
	for i, a := range agentIDs {
		if out[i] = byAgent[a]; len(out[i]) == 0 {
			return nil, fmt.Errorf("agent %s has no series", a)
		}
	}
	return out, nil
}

// RunCeiling writes cfg.Rows rows into samples by binary COPY, each COPY
// its own transaction, as the hub's flushers commit: the agents' batches
// in turn (every series of one agent, PerSeries samples each), times from
// start on, values as a host's would be.
func RunCeiling(ctx context.Context, pool *pgxpool.Pool, series [][]int64, cfg CeilingConfig, start time.Time, done *atomic.Int64) (CeilingResult, error) {
	if cfg.CopyRows <= 0 {
		cfg.CopyRows = 50_000
	}
	cfg.PerSeries = max(cfg.PerSeries, 1)
	res := CeilingResult{Conns: cfg.Conns, CopyRows: cfg.CopyRows}
	var next atomic.Int64 // batches handed out
	var written atomic.Int64
	errs := make([]error, cfg.Conns)
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := range cfg.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = ceilingWorker(ctx, pool, series, cfg, start, &next, &written, done)
		}()
	}
	wg.Wait()
	res.Seconds = time.Since(t0).Seconds()
	res.Rows = written.Load()
	res.SamplesPerSec = float64(res.Rows) / res.Seconds
	return res, errors.Join(errs...)
}

func ceilingWorker(ctx context.Context, pool *pgxpool.Pool, series [][]int64, cfg CeilingConfig, start time.Time,
	next, written, done *atomic.Int64) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	var rows tsdb.SampleRows
	var buf []byte
	startMs, stepMs := start.UnixMilli(), cfg.Step.Milliseconds()
	for {
		rows.Reset()
		for rows.Len() < cfg.CopyRows {
			k := next.Add(1) - 1 // batch number k: agent k mod agents, round k / agents
			ids := series[k%int64(len(series))]
			n := int64(len(ids) * cfg.PerSeries)
			if written.Add(n) > cfg.Rows {
				written.Add(-n) // past the budget: this batch is not written
				break
			}
			round := k / int64(len(series))
			for j, id := range ids {
				for p := range cfg.PerSeries {
					rows.TimesMs = append(rows.TimesMs, startMs+(round*int64(cfg.PerSeries)+int64(p))*stepMs)
					rows.SeriesIDs = append(rows.SeriesIDs, id)
					rows.Values = append(rows.Values, float64((int(k)+j*7+p)%1000)/8)
				}
			}
		}
		if rows.Len() == 0 {
			return nil
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			buf, err = tsdb.CopySamples(ctx, tx.Conn().PgConn(), &rows, buf)
			return err
		}); err != nil {
			return err
		}
		if done != nil {
			done.Add(int64(rows.Len()))
		}
	}
}
