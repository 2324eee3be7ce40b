package tsdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// On TimescaleDB the continuous aggregates' own invalidation log records
// every late write, but a refresh policy only looks back over its window
// (12 h for samples_1m, 2 days for samples_1h), so a write further back
// stays invisible in the rollups. Writers record late samples in
// rollup_invalidations as on plain PostgreSQL (late.go: late is below
// either aggregate's watermark), and Run refreshes each recorded hour:
// samples_1m over the recorded minutes, then samples_1h over the hour.
//
// A refresh window never reaches past an aggregate's watermark: TimescaleDB
// moves the watermark to the end of what a refresh materialized, and
// buckets between the old watermark and the window would then be read
// from neither the materialization nor raw samples. Nor does it reach
// back past raw retention (less an hour, for chunks the retention job may
// drop meanwhile): a refresh over dropped chunks would delete their
// rollup rows.

// refreshLockSQL is the session-level form of rollupLockSQL: refreshes
// cannot run inside a transaction.
const (
	refreshLockSQL   = `SELECT pg_try_advisory_lock($1)`
	refreshUnlockSQL = `SELECT pg_advisory_unlock($1)`
	caggWatermarkSQL = `SELECT user_view_name,
       coalesce(_timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(mat_hypertable_id)), '-infinity')
FROM _timescaledb_catalog.continuous_agg
WHERE user_view_schema = 'public' AND user_view_name IN ('samples_1m', 'samples_1h')`
	refreshMinutesSQL = `CALL refresh_continuous_aggregate('samples_1m', $1::timestamptz, $2::timestamptz)`
	refreshHoursSQL   = `CALL refresh_continuous_aggregate('samples_1h', $1::timestamptz, $2::timestamptz)`
	// lockNotAvailable is SQLSTATE 55P03: a policy job is refreshing the
	// same aggregate; the hour is refreshed on the next run.
	lockNotAvailable = "55P03"
)

// refreshLate refreshes the continuous aggregates over the recorded
// invalidations, oldest hour first, within LateBudget.
func (r *Rollup) refreshLate(ctx context.Context, now time.Time, res *RollupResult) error {
	if found, err := anyInvalidation(ctx, r.pool); err != nil || !found {
		return err
	}
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection for late refresh: %w", err)
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, refreshLockSQL, int64(rollupLockKey)).Scan(&locked); err != nil {
		return fmt.Errorf("lock rollup: %w", err)
	}
	if !locked {
		res.Skipped = true
		return nil
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), refreshUnlockSQL, int64(rollupLockKey)); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx)) // closing the session releases the lock
		}
	}()
	oldest := FloorTime(now.Add(-r.cfg.Start+time.Hour), time.Hour)
	deadline := time.Now().Add(r.cfg.LateBudget)
	for {
		done, err := refreshOldest(ctx, conn, oldest)
		if errors.Is(err, errRefreshBusy) {
			res.LatePending = true
			return nil
		}
		if err != nil || done {
			return err
		}
		res.LateSteps++
		if time.Now().After(deadline) {
			res.LatePending = true
			return nil
		}
	}
}

// refreshOldest refreshes the oldest recorded hour and forgets it,
// reporting whether none was left.
func refreshOldest(ctx context.Context, conn *pgxpool.Conn, oldest time.Time) (bool, error) {
	var inv invalidation
	var found bool
	var minuteWM, hourWM time.Time
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, mergeInvalidationsSQL); err != nil {
			return fmt.Errorf("merge rollup invalidations: %w", err)
		}
		var err error
		if inv, found, err = oldestInvalidation(ctx, tx); err != nil || !found {
			return err
		}
		minuteWM, hourWM, err = readCaggWatermarks(ctx, tx)
		return err
	})
	if err != nil || !found {
		return !found, err
	}
	from := laterTime(FloorTime(inv.Lo, time.Minute), oldest)
	if to := earlierTime(ceilTime(inv.Hi, time.Minute), minuteWM); to.After(from) {
		if err := refreshWindow(ctx, conn, refreshMinutesSQL, from, to); err != nil {
			return false, err
		}
	}
	if hourEnd := inv.Hour.Add(time.Hour); !inv.Hour.Before(oldest) && !hourEnd.After(hourWM) {
		if err := refreshWindow(ctx, conn, refreshHoursSQL, inv.Hour, hourEnd); err != nil {
			return false, err
		}
	}
	if _, err := conn.Exec(ctx, deleteInvalidationSQL, inv.ID); err != nil {
		return false, fmt.Errorf("update rollup invalidations: %w", err)
	}
	return false, nil
}

// errRefreshBusy says a policy job held the aggregate; the run ends and
// the next one refreshes the hour.
var errRefreshBusy = errors.New("a refresh policy is refreshing the same continuous aggregate")

func refreshWindow(ctx context.Context, conn *pgxpool.Conn, stmt string, from, to time.Time) error {
	_, err := conn.Exec(ctx, stmt, from, to)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == lockNotAvailable {
		return errRefreshBusy
	}
	if err != nil {
		return fmt.Errorf("refresh late samples over [%s, %s): %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return nil
}

// readCaggWatermarks reads both continuous aggregates' watermarks: buckets
// before them are read from the materialization only. Zero while an
// aggregate has never been refreshed.
func readCaggWatermarks(ctx context.Context, tx pgx.Tx) (minute, hour time.Time, err error) {
	rows, _ := tx.Query(ctx, caggWatermarkSQL)
	var view string
	var w pgtype.Timestamptz
	_, err = pgx.ForEachRow(rows, []any{&view, &w}, func() error {
		if view == "samples_1m" {
			minute = finiteTime(w)
		} else {
			hour = finiteTime(w)
		}
		return nil
	})
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("read continuous aggregate watermarks: %w", err)
	}
	return minute, hour, nil
}
