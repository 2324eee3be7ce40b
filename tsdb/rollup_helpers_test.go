package tsdb_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// sample is one raw sample of the test data.
type sample struct {
	series int64
	t      time.Time
	v      float64
}

// randomSamples makes samples for series ids 1..n over [from, to) at random
// spacing (1 s to 3 min, some series sparse). Times are unique per series
// and values are multiples of 1/8 below 1000, so every sum is exact and
// answers compare with ==.
func randomSamples(rng *rand.Rand, n int, from, to time.Time) []sample {
	var out []sample
	for s := int64(1); s <= int64(n); s++ {
		maxGap := 1 + rng.IntN(180)
		if s == int64(n) {
			maxGap = 1800 // a sparse series: empty buckets and gaps
		}
		for t := from.Add(time.Duration(rng.IntN(60)) * time.Second); t.Before(to); t = t.Add(time.Duration(1+rng.IntN(maxGap)) * time.Second) {
			out = append(out, sample{series: s, t: t.Add(time.Duration(rng.IntN(1000)) * time.Millisecond).Truncate(time.Millisecond), v: float64(rng.IntN(16000)-8000) / 8})
		}
	}
	return out
}

// writeSamples copies samples into the samples table.
func writeSamples(t *testing.T, pool *pgxpool.Pool, in []sample) {
	t.Helper()
	ctx := context.Background()
	rows := &tsdb.SampleRows{}
	for _, s := range in {
		rows.TimesMs = append(rows.TimesMs, s.t.UnixMilli())
		rows.SeriesIDs = append(rows.SeriesIDs, s.series)
		rows.Values = append(rows.Values, s.v)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := tsdb.CopySamples(ctx, conn.Conn().PgConn(), rows, nil); err != nil {
		t.Fatal(err)
	}
}

// materialize rolls up everything before cut: the rollup worker on plain
// PostgreSQL (as if it ran at cut + lag), refreshes of the continuous
// aggregates on TimescaleDB. Buckets after cut stay open: queries read them
// from the layer below.
func materialize(t *testing.T, pool *pgxpool.Pool, cut time.Time) {
	t.Helper()
	materializeSince(t, pool, cut, 2*24*time.Hour)
}

// materializeSince is materialize for data as old as start before cut.
func materializeSince(t *testing.T, pool *pgxpool.Pool, cut time.Time, start time.Duration) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect() == tsdb.TimescaleDB {
		for _, stmt := range []string{
			`CALL refresh_continuous_aggregate('samples_1m', NULL, $1::timestamptz)`,
			`CALL refresh_continuous_aggregate('samples_1h', NULL, $1::timestamptz)`,
		} {
			if err := refresh(ctx, pool, stmt, cut); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		return
	}
	r := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Lag: time.Minute, Grace: 10 * time.Minute, Start: start})
	res, err := r.Run(ctx, cut.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if want := cut.Truncate(time.Minute); !res.Through.Equal(want) || !res.Watermark.Equal(want.Add(-10*time.Minute)) || res.Minutes == 0 {
		t.Fatalf("rollup: %+v; want minutes rolled through %s, settled 10 minutes before, and some rows", res, want)
	}
}

// refresh runs a refresh of a continuous aggregate, again while
// TimescaleDB's own policy job is refreshing it (SQLSTATE 55P03).
func refresh(ctx context.Context, pool *pgxpool.Pool, stmt string, args ...any) error {
	for try := 0; ; try++ {
		_, err := pool.Exec(ctx, stmt, args...)
		var pgErr *pgconn.PgError
		if err == nil || try == 100 || !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// bucketKey names one answer point.
type bucketKey struct {
	series int64
	ms     int64
}

// expected computes, straight from the samples, what a query with step and
// agg over [from, to) must answer: the oracle the tiers are held to.
func expected(in []sample, step time.Duration, agg tsdb.Agg, from, to time.Time) map[bucketKey]float64 {
	sorted := append([]sample(nil), in...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].t.Before(sorted[j].t) })
	type acc struct {
		count         int
		sum, min, max float64
		last          float64
	}
	accs := map[bucketKey]*acc{}
	for _, s := range sorted {
		if s.t.Before(from) || !s.t.Before(to) {
			continue
		}
		ms := s.t.UnixMilli()
		k := bucketKey{s.series, ms - ms%step.Milliseconds()}
		a := accs[k]
		if a == nil {
			a = &acc{min: s.v, max: s.v}
			accs[k] = a
		}
		a.count++
		a.sum += s.v
		a.min, a.max, a.last = min(a.min, s.v), max(a.max, s.v), s.v
	}
	out := make(map[bucketKey]float64, len(accs))
	for k, a := range accs {
		switch agg {
		case tsdb.AggAvg:
			out[k] = a.sum / float64(a.count)
		case tsdb.AggSum:
			out[k] = a.sum
		case tsdb.AggMin:
			out[k] = a.min
		case tsdb.AggMax:
			out[k] = a.max
		case tsdb.AggLast:
			out[k] = a.last
		}
	}
	return out
}

// assertAnswers reads every agg of series ids from tier at step over
// [from, to) and holds each answer to the one computed from data.
func assertAnswers(t *testing.T, name string, r *tsdb.Reader, data []sample, ids []int64, tier tsdb.Tier, step time.Duration, from, to time.Time) {
	t.Helper()
	var pts tsdb.Points
	for _, agg := range tsdb.AllAggs() {
		want := expected(data, step, agg, from, to)
		pts.Reset()
		if err := r.Buckets(context.Background(), tsdb.BucketQuery{SeriesIDs: ids, Tier: tier, Step: step, From: from, To: to, Agg: agg}, &pts); err != nil {
			t.Fatal(err)
		}
		name := name + ": " + tier.String() + "/" + step.String() + "/" + string(agg)
		if pts.Len() != len(want) {
			t.Errorf("%s: %d points, want %d", name, pts.Len(), len(want))
		}
		for i := range pts.Len() {
			k := bucketKey{pts.SeriesIDs[i], pts.TimesMs[i]}
			if w, ok := want[k]; !ok || w != pts.Values[i] {
				t.Errorf("%s: series %d at %s = %v, want %v (present %v)", name, k.series, time.UnixMilli(k.ms).UTC(), pts.Values[i], w, ok)
			}
			if i > 0 && pts.SeriesIDs[i] == pts.SeriesIDs[i-1] && pts.TimesMs[i] <= pts.TimesMs[i-1] {
				t.Errorf("%s: points out of order at %d", name, i)
			}
		}
	}
}
