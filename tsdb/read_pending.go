package tsdb

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Pending is a range of time in which late samples of the series read are
// stored but not yet rolled up again: answers of the 1m and 1h tiers may
// lack them there until the rollup worker's next run (raw reads have
// them already).
type Pending struct {
	From, Until time.Time
}

// pendingSQL spans the recorded invalidations of the series $1 that meet
// [$2, $3). On plain PostgreSQL, minutes from the minute watermark on are
// read from raw samples, so only what lies before it is pending.
const (
	pendingSQL = `SELECT min(lo), max(hi) FROM rollup_invalidations
WHERE series_ids && $1 AND lo < $3 AND hi > $2`
	pgPendingSQL = `SELECT min(lo), least(max(hi), ` + minuteWatermarkSQL + `) FROM rollup_invalidations
WHERE series_ids && $1 AND lo < $3 AND hi > $2 AND lo < ` + minuteWatermarkSQL
)

// Pending reports the span of [from, to) in which reads of seriesIDs from
// the rollups may still lack late samples; nil when there is none.
func (r *Reader) Pending(ctx context.Context, seriesIDs []int64, from, to time.Time) (*Pending, error) {
	if len(seriesIDs) == 0 {
		return nil, nil
	}
	stmt := pendingSQL
	if r.dialect == Postgres {
		stmt = pgPendingSQL
	}
	var lo, hi pgtype.Timestamptz
	if err := r.pool.QueryRow(ctx, stmt, seriesIDs, from, to).Scan(&lo, &hi); err != nil {
		return nil, fmt.Errorf("read pending rollups: %w", err)
	}
	if !lo.Valid || !hi.Valid {
		return nil, nil
	}
	p := &Pending{From: laterTime(lo.Time.UTC(), from), Until: earlierTime(hi.Time.UTC(), to)}
	if !p.Until.After(p.From) {
		return nil, nil
	}
	return p, nil
}
