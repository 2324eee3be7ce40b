package tsdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Rolling late samples up again (doc.go, "Late samples"). Writers record
// them in rollup_invalidations (late.go); each Run merges the rows of each
// hour into one, then rolls them up again oldest hour first, at most
// LateSeries series of one hour per transaction, until none is left or
// the run has spent LateBudget; the rest waits for the next run.

const (
	// mergeInvalidationsSQL turns the rows of each hour that has several
	// into one: the union of their series over the union of their ranges.
	// Rows written after the statement began are left for the next merge.
	mergeInvalidationsSQL = `WITH merged AS (
  DELETE FROM rollup_invalidations
  WHERE hour IN (SELECT hour FROM rollup_invalidations GROUP BY hour HAVING count(*) > 1)
  RETURNING hour, lo, hi, series_ids
)
INSERT INTO rollup_invalidations (hour, lo, hi, series_ids)
SELECT m.hour, min(m.lo), max(m.hi), array_agg(DISTINCT s ORDER BY s)
FROM merged m, unnest(m.series_ids) s
GROUP BY m.hour`
	anyInvalidationSQL    = `SELECT EXISTS (SELECT 1 FROM rollup_invalidations)`
	oldestInvalidationSQL = `SELECT id, hour, lo, hi, series_ids FROM rollup_invalidations ORDER BY hour, id LIMIT 1`
	deleteInvalidationSQL = `DELETE FROM rollup_invalidations WHERE id = $1`
	// keepInvalidationSQL leaves the series not yet rolled up.
	keepInvalidationSQL = `UPDATE rollup_invalidations SET series_ids = $2 WHERE id = $1`
)

// invalidation is one row of rollup_invalidations.
type invalidation struct {
	ID        int64
	Hour      time.Time
	Lo, Hi    time.Time
	SeriesIDs []int64
}

// anyInvalidation says whether something is left to roll up again: one
// statement where a run with nothing late would otherwise spend a
// transaction.
func anyInvalidation(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var found bool
	if err := pool.QueryRow(ctx, anyInvalidationSQL).Scan(&found); err != nil {
		return false, fmt.Errorf("look for rollup invalidations: %w", err)
	}
	return found, nil
}

// oldestInvalidation reads the row of the oldest hour, if any.
func oldestInvalidation(ctx context.Context, q pgx.Tx) (invalidation, bool, error) {
	var inv invalidation
	err := q.QueryRow(ctx, oldestInvalidationSQL).Scan(&inv.ID, &inv.Hour, &inv.Lo, &inv.Hi, &inv.SeriesIDs)
	if errors.Is(err, pgx.ErrNoRows) {
		return inv, false, nil
	}
	if err != nil {
		return inv, false, fmt.Errorf("read rollup invalidations: %w", err)
	}
	inv.Hour, inv.Lo, inv.Hi = inv.Hour.UTC(), inv.Lo.UTC(), inv.Hi.UTC()
	return inv, true, nil
}

// Re-rolling one invalidation on plain PostgreSQL: the minutes from raw
// samples, then the hour from the minutes, or the open hour's row when the
// hour is the one the watermarks are in. Upserts rewrite only rows whose
// aggregates changed; nothing is deleted, so a range whose raw samples
// retention has dropped keeps its rollup rows.
const (
	rerollMinutesSQL = `INSERT INTO samples_1m (bucket, series_id, count, sum, min, max, last)
` + minuteAggregatesSQL + `
WHERE series_id = ANY($3) AND time >= $1 AND time < $2
GROUP BY 2, 1
ON CONFLICT (series_id, bucket) DO UPDATE
` + changedMinutesSQL
	rerollHourSQL = `INSERT INTO samples_1h (bucket, series_id, count, sum, min, max, last)
` + hourAggregatesSQL + `
WHERE series_id = ANY($3) AND bucket >= $1 AND bucket < $2
GROUP BY 1, 2
ON CONFLICT (series_id, bucket) DO UPDATE
` + changedHoursSQL
	rerollOpenHourSQL = `INSERT INTO samples_1h_open (series_id, bucket, count, sum, min, max, last)
` + openHourAggregatesSQL + `
WHERE series_id = ANY($4) AND bucket >= $1 AND bucket < $2
GROUP BY 1
ON CONFLICT (series_id) DO UPDATE
SET bucket = EXCLUDED.bucket, count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max, last = EXCLUDED.last`
)

// rollUpLate re-rolls recorded invalidations until none is left or the
// budget is spent.
func (r *Rollup) rollUpLate(ctx context.Context, initial time.Time, res *RollupResult) error {
	if found, err := anyInvalidation(ctx, r.pool); err != nil || !found {
		return err
	}
	deadline := time.Now().Add(r.cfg.LateBudget)
	for {
		done, err := r.lateStep(ctx, initial, res)
		if err != nil || done || res.Skipped {
			return err
		}
		if time.Now().After(deadline) {
			res.LatePending = true
			return nil
		}
	}
}

// lateStep re-rolls at most LateSeries series of the oldest invalidated
// hour in one transaction, and reports whether none was left.
func (r *Rollup) lateStep(ctx context.Context, initial time.Time, res *RollupResult) (bool, error) {
	tx, err := r.beginLocked(ctx, res)
	if tx == nil {
		return false, err
	}
	defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
	if _, err := tx.Exec(ctx, mergeInvalidationsSQL); err != nil {
		return false, fmt.Errorf("merge rollup invalidations: %w", err)
	}
	inv, found, err := oldestInvalidation(ctx, tx)
	if err != nil || !found {
		return !found, err
	}
	minuteWM, hourWM, err := readWatermarks(ctx, tx)
	if err != nil {
		return false, err
	}
	ids, rest := inv.SeriesIDs, []int64(nil)
	if len(ids) > r.cfg.LateSeries {
		ids, rest = ids[:r.cfg.LateSeries], ids[r.cfg.LateSeries:]
	}
	minutes, hours, err := rerollRange(ctx, tx, inv, ids, initial, minuteWM, hourWM)
	if err != nil {
		return false, err
	}
	if rest == nil {
		_, err = tx.Exec(ctx, deleteInvalidationSQL, inv.ID)
	} else {
		_, err = tx.Exec(ctx, keepInvalidationSQL, inv.ID, rest)
	}
	if err != nil {
		return false, fmt.Errorf("update rollup invalidations: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("commit late rollup: %w", err)
	}
	res.LateSteps++
	res.LateMinutes += minutes
	res.LateHours += hours
	return false, nil
}

// rerollRange rolls the minutes of inv's range for ids up again from raw
// samples, within [oldest, minuteWM) (later minutes are read from raw
// samples and rolled up by the regular steps), then their hour.
func rerollRange(ctx context.Context, tx pgx.Tx, inv invalidation, ids []int64, oldest, minuteWM, hourWM time.Time) (int64, int64, error) {
	from := laterTime(FloorTime(inv.Lo, time.Minute), oldest)
	to := earlierTime(ceilTime(inv.Hi, time.Minute), minuteWM)
	if !to.After(from) {
		return 0, 0, nil // past retention, or not settled yet
	}
	minutes, err := tx.Exec(ctx, rerollMinutesSQL, from, to, ids)
	if err != nil {
		return 0, 0, fmt.Errorf("roll up late samples into samples_1m: %w", err)
	}
	hourEnd := inv.Hour.Add(time.Hour)
	switch {
	case !hourEnd.After(hourWM):
		hours, err := tx.Exec(ctx, rerollHourSQL, inv.Hour, hourEnd, ids)
		if err != nil {
			return 0, 0, fmt.Errorf("roll up late samples into samples_1h: %w", err)
		}
		return minutes.RowsAffected(), hours.RowsAffected(), nil
	case inv.Hour.Equal(hourWM):
		open, err := tx.Exec(ctx, rerollOpenHourSQL, hourWM, minuteWM, hourWM, ids)
		if err != nil {
			return 0, 0, fmt.Errorf("roll up late samples into samples_1h_open: %w", err)
		}
		return minutes.RowsAffected(), open.RowsAffected(), nil
	}
	return minutes.RowsAffected(), 0, nil
}

func earlierTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func laterTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// ceilTime rounds t up to a multiple of d from the Unix epoch.
func ceilTime(t time.Time, d time.Duration) time.Time {
	f := FloorTime(t, d)
	if f.Equal(t) {
		return f
	}
	return f.Add(d)
}
