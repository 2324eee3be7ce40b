package tsdb

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Reader answers metric reads from raw samples and the rollups. It holds
// its dialect's statements, built once; safe for concurrent use.
type Reader struct {
	pool    *pgxpool.Pool
	dialect Dialect
	buckets [3][5]string // by Tier, then Agg (aggIndex)
	aligned [3][5]string // step = the tier's width (read_aligned.go); raw unused
	totals  [3][5]string
}

// NewReader returns the reader for pool on dialect d.
func NewReader(pool *pgxpool.Pool, d Dialect) *Reader {
	r := &Reader{pool: pool, dialect: d}
	for _, t := range []Tier{TierRaw, Tier1m, Tier1h} {
		for i, a := range AllAggs() {
			r.buckets[t][i] = `SELECT r.series_id, ` + bucketSQL(d) + `, ` +
				aggSQL(d, a) + "\nFROM (" + sourceSQL(d, t) + ") r\nGROUP BY 1, 2"
			r.totals[t][i] = `SELECT r.series_id, ` + aggSQL(d, a) + "\nFROM (" + sourceSQL(d, t) + ") r\nGROUP BY 1"
			if t != TierRaw {
				r.aligned[t][i] = alignedSQL(d, t, a)
			}
		}
	}
	return r
}

func aggIndex(a Agg) int {
	for i, x := range AllAggs() {
		if x == a {
			return i
		}
	}
	return 0 // avg
}

// BucketQuery asks for one value per series and bucket.
type BucketQuery struct {
	SeriesIDs []int64
	Tier      Tier
	// Step is the bucket width: whole seconds, a multiple of the tier's
	// width, so every rollup row falls in exactly one bucket.
	Step time.Duration
	// From and To bound the range [From, To); callers align them on Step
	// so that no bucket is cut.
	From, To time.Time
	Agg      Agg
}

// Points are answers in columns, ordered by series id, then time. A
// value is valid until the next Reset.
type Points struct {
	SeriesIDs []int64
	TimesMs   []int64 // bucket start, Unix milliseconds
	Values    []float64
}

// Len is the number of points.
func (p *Points) Len() int { return len(p.TimesMs) }

// Reset empties p, keeping its buffers.
func (p *Points) Reset() {
	p.SeriesIDs, p.TimesMs, p.Values = p.SeriesIDs[:0], p.TimesMs[:0], p.Values[:0]
}

// Buckets appends to dst the value of every non-empty bucket of q's series.
func (r *Reader) Buckets(ctx context.Context, q BucketQuery, dst *Points) error {
	if len(q.SeriesIDs) == 0 {
		return nil
	}
	stmt, args := r.buckets[q.Tier][aggIndex(q.Agg)], []any{q.SeriesIDs, q.From, q.To, int64(q.Step / time.Second)}
	if q.Tier != TierRaw && q.Step == q.Tier.Width() {
		stmt = r.aligned[q.Tier][aggIndex(q.Agg)]
		if r.dialect == TimescaleDB {
			args = args[:3] // no tail to bucket
		}
	}
	rows, err := r.pool.Query(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("query %s buckets: %w", q.Tier, err)
	}
	start := dst.Len()
	if err := appendPoints(rows, dst); err != nil {
		return fmt.Errorf("read %s buckets: %w", q.Tier, err)
	}
	dst.sortFrom(start)
	return nil
}

// SeriesValue is one series' aggregate over a whole range.
type SeriesValue struct {
	SeriesID int64
	Value    float64
}

// Totals aggregates each series of q over the whole of [From, To) (Step
// is unused). Series without samples in the range are absent.
func (r *Reader) Totals(ctx context.Context, q BucketQuery) ([]SeriesValue, error) {
	if len(q.SeriesIDs) == 0 {
		return nil, nil
	}
	rows, err := r.pool.Query(ctx, r.totals[q.Tier][aggIndex(q.Agg)], q.SeriesIDs, q.From, q.To)
	if err != nil {
		return nil, fmt.Errorf("query %s totals: %w", q.Tier, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[SeriesValue])
	if err != nil {
		return nil, fmt.Errorf("read %s totals: %w", q.Tier, err)
	}
	return out, nil
}
