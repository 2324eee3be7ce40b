package load

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// CatchUpResult says how the rollups caught up.
type CatchUpResult struct {
	Took   time.Duration
	Detail string // what was rolled up, for the log
}

const refreshSQL = `CALL refresh_continuous_aggregate($1::regclass, NULL, $2::timestamptz)`

// CatchUp rolls up everything loaded up to now: on plain PostgreSQL the
// rollup worker's code from days+1 days back (until its watermark passes
// now), on TimescaleDB refreshes of the continuous aggregates. It must run
// where no other rollup worker has already moved the watermark past the
// loaded range (a fresh database).
func CatchUp(ctx context.Context, pool *pgxpool.Pool, d tsdb.Dialect, now time.Time, days int) (CatchUpResult, error) {
	start := time.Now()
	if d == tsdb.TimescaleDB {
		for _, view := range []string{"samples_1m", "samples_1h"} {
			if err := refresh(ctx, pool, view, now); err != nil {
				return CatchUpResult{}, fmt.Errorf("refresh %s: %w", view, err)
			}
		}
		return CatchUpResult{Took: time.Since(start), Detail: "continuous aggregates refreshed"}, nil
	}
	day := 24 * time.Hour
	r := tsdb.NewRollup(pool, tsdb.Postgres, tsdb.RollupConfig{Start: time.Duration(days+1) * day})
	res, err := r.Run(ctx, now.Add(time.Minute)) // every loaded minute has ended Lag ago
	if err != nil {
		return CatchUpResult{}, fmt.Errorf("roll up: %w", err)
	}
	if res.Skipped || res.Through.Before(now) {
		return CatchUpResult{}, fmt.Errorf("rollup stopped at %s, want %s (skipped %v)", res.Through, now, res.Skipped)
	}
	return CatchUpResult{Took: time.Since(start), Detail: fmt.Sprintf("%d steps, %d minute rows, %d hour rows, through %s",
		res.Steps, res.Minutes, res.Hours, res.Through.Format(time.RFC3339))}, nil
}

// refresh refreshes one continuous aggregate, retrying while TimescaleDB's
// own refresh job holds the lock (lock_not_available) for up to 5 s.
func refresh(ctx context.Context, pool *pgxpool.Pool, view string, now time.Time) error {
	for try := 0; ; try++ {
		_, err := pool.Exec(ctx, refreshSQL, view, now)
		var pgErr *pgconn.PgError
		if err == nil || try == 100 || !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
