package tsdb_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// invalidationRow is one row of rollup_invalidations.
type invalidationRow struct {
	Hour, Lo, Hi time.Time
	SeriesIDs    []int64
}

func invalidations(t *testing.T, pool *pgxpool.Pool) []invalidationRow {
	t.Helper()
	rows, _ := pool.Query(context.Background(), `SELECT hour, lo, hi, series_ids FROM rollup_invalidations ORDER BY hour, id`)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[invalidationRow])
	if err != nil {
		t.Fatal(err)
	}
	for i := range out {
		out[i].Hour, out[i].Lo, out[i].Hi = out[i].Hour.UTC(), out[i].Lo.UTC(), out[i].Hi.UTC()
	}
	return out
}

// rolledUpHistory writes random samples of series 1..n over the span
// before now (from a whole hour) and rolls them up to the last complete
// minute, the cut: what late samples then arrive behind.
func rolledUpHistory(t *testing.T, pool *pgxpool.Pool, now time.Time, n int, span time.Duration) (*rand.Rand, time.Time, time.Time, []sample) {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>2))
	start := now.Add(-span).Truncate(time.Hour)
	data := randomSamples(rng, n, start, now)
	writeSamples(t, pool, data)
	cut := now.Add(-time.Minute).Truncate(time.Minute)
	materializeSince(t, pool, cut, 3*24*time.Hour)
	return rng, start, cut, data
}

// TestLateSamplesAreRecorded: the writer of samples records, in its own
// transaction, the ones behind the rollups, one row per hour with their
// range and series, and nothing for samples the rollups have not reached.
func TestLateSamplesAreRecorded(t *testing.T) {
	pool, now := rollupFixture(t)
	cut := now.Add(-time.Hour).Truncate(time.Minute)
	// On TimescaleDB the watermark is the end of the newest materialized
	// bucket: a sample just before the cut puts it there.
	writeSamples(t, pool, []sample{{1, cut.Add(-30 * time.Hour), 1}, {1, cut.Add(-30 * time.Second), 1}, {1, now.Add(-5 * time.Second), 1}})
	materialize(t, pool, cut)
	writeSamples(t, pool, []sample{{1, now.Add(-4 * time.Second), 2}})
	if got := invalidations(t, pool); len(got) != 0 {
		t.Fatalf("a sample ahead of the rollups was recorded as late: %+v", got)
	}

	h1 := cut.Add(-26 * time.Hour).Truncate(time.Hour)
	h2 := cut.Add(-3 * time.Hour).Truncate(time.Hour)
	writeSamples(t, pool, []sample{
		{3, h1.Add(10 * time.Minute), 1}, {1, h1.Add(50*time.Minute + 999*time.Millisecond), 1}, {3, h1.Add(5 * time.Minute), 1},
		{2, h2.Add(time.Minute), 1}, {2, h2.Add(2 * time.Minute), 1},
		{1, now.Add(-3 * time.Second), 1}, // on time in the same write
	})
	want := []invalidationRow{
		{h1, h1.Add(5 * time.Minute), h1.Add(50*time.Minute + time.Second), []int64{1, 3}},
		{h2, h2.Add(time.Minute), h2.Add(2*time.Minute + time.Millisecond), []int64{2}},
	}
	got := invalidations(t, pool)
	if len(got) != len(want) {
		t.Fatalf("recorded %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Hour.Equal(w.Hour) || !g.Lo.Equal(w.Lo) || !g.Hi.Equal(w.Hi) || !slices.Equal(g.SeriesIDs, w.SeriesIDs) {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}
}

// TestLateSamplesReachEveryTier: samples arriving behind the rollups (39
// minutes, hours and two days late; into rolled-up hours, the open hour
// and, on TimescaleDB, an hour the hourly aggregate has not materialized)
// are pending in the 1m and 1h tiers until the worker's next run, and in
// every answer after it.
func TestLateSamplesReachEveryTier(t *testing.T) {
	pool, now := rollupFixture(t)
	ctx := context.Background()
	rng, start, cut, data := rolledUpHistory(t, pool, now, 4, 60*time.Hour)

	var late []sample
	for i, age := range []time.Duration{39 * time.Minute, 70 * time.Minute, 5 * time.Hour, 49 * time.Hour, 49 * time.Hour} {
		late = append(late, sample{series: int64(1 + i%4), t: cut.Add(-age).Add(time.Duration(rng.IntN(1000)) * time.Millisecond), v: float64(rng.IntN(800)) / 8})
	}
	writeSamples(t, pool, late)
	data = append(data, late...)
	r := tsdb.NewReader(pool, db.Dialect())
	ids := []int64{1, 2, 3, 4}
	p, err := r.Pending(ctx, ids, start, now)
	if err != nil {
		t.Fatal(err)
	}
	if p == nil || p.From.After(cut.Add(-49*time.Hour+time.Second)) || p.Until.Before(cut.Add(-39*time.Minute)) {
		t.Errorf("pending before the worker ran: %+v; want it to span the late samples, %s to %s", p, cut.Add(-49*time.Hour), cut.Add(-39*time.Minute))
	}
	if p, err := r.Pending(ctx, []int64{99}, start, now); err != nil || p != nil {
		t.Errorf("pending for a series without late samples: %+v, %v; want none", p, err)
	}

	roll := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Start: 3 * 24 * time.Hour})
	res, err := roll.Run(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.LateSteps == 0 || res.LatePending {
		t.Errorf("run: %+v; want the late samples rolled up again, none left", res)
	}
	if rows := invalidations(t, pool); len(rows) != 0 {
		t.Errorf("after the run %d invalidations are left: %+v", len(rows), rows)
	}
	if p, err := r.Pending(ctx, ids, start, now); err != nil || p != nil {
		t.Errorf("pending after the run: %+v, %v; want none", p, err)
	}
	for _, c := range []struct {
		tier  tsdb.Tier
		steps []time.Duration
	}{{tsdb.Tier1m, []time.Duration{time.Minute, 15 * time.Minute}}, {tsdb.Tier1h, []time.Duration{time.Hour, 24 * time.Hour}}} {
		for _, step := range c.steps {
			assertAnswers(t, "after the run", r, data, ids, c.tier, step, start.Truncate(step), now.Add(step).Truncate(step))
		}
	}
}

// TestLateBoundaryWaitsForWriters pins the handshake that keeps a sample
// from slipping between the late boundary and the rollup (plain
// PostgreSQL): a writer that read the old boundary holds the late lock
// until it commits, so the worker moves the boundary, and rolls up, only
// after that writer's samples are committed; a writer after the move sees
// the new boundary and records its sample as late.
func TestLateBoundaryWaitsForWriters(t *testing.T) {
	if db.Dialect() != tsdb.Postgres {
		t.Skip("TimescaleDB's own invalidation threshold orders writers and refreshes")
	}
	pool, now := rollupFixture(t)
	ctx := context.Background()
	roll := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Start: 2 * 24 * time.Hour})
	first, err := roll.Run(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	// A writer opens its transaction and writes a sample just past the
	// settled watermark: not late yet.
	onTime := sample{1, first.Watermark.Add(30 * time.Second), 5}
	writer, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = writer.Rollback(ctx) }() // a no-op after Commit
	rows := &tsdb.SampleRows{TimesMs: []int64{onTime.t.UnixMilli()}, SeriesIDs: []int64{1}, Values: []float64{5}}
	if _, err := tsdb.CopySamples(ctx, writer.Conn().PgConn(), rows, nil); err != nil {
		t.Fatal(err)
	}
	// Five minutes on, the worker would settle past that sample.
	type runResult struct {
		res tsdb.RollupResult
		err error
	}
	done := make(chan runResult, 1)
	go func() {
		res, err := roll.Run(ctx, now.Add(5*time.Minute))
		done <- runResult{res, err}
	}()
	select {
	case rr := <-done:
		t.Fatalf("the worker moved on while a writer that read the old boundary was open: %+v, %v", rr.res, rr.err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := writer.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rr := <-done
	if rr.err != nil || !rr.res.Watermark.After(onTime.t) {
		t.Fatalf("second run: %+v, %v; want the watermark past the sample", rr.res, rr.err)
	}
	// The sample written before the move is in the rollup; one written
	// after it, at the same time, is recorded as late.
	if got := minuteRows(t, pool)[onTime.t.Truncate(time.Minute)]; got != 1 {
		t.Errorf("the minute of the sample written before the move holds %d samples, want 1", got)
	}
	writeSamples(t, pool, []sample{{1, onTime.t.Add(time.Second), 6}})
	if rows := invalidations(t, pool); len(rows) != 1 || !slices.Equal(rows[0].SeriesIDs, []int64{1}) {
		t.Errorf("a sample written behind the moved boundary: recorded %+v, want one row for series 1", rows)
	}
}

// TestLateFloodStaysBounded: a flood of late writes, one row each, is
// merged into one row per hour by the next run however little of it that
// run has time to roll up, and all of it reaches the rollups in the end,
// in steps of LateSeries series.
func TestLateFloodStaysBounded(t *testing.T) {
	pool, now := rollupFixture(t)
	ctx := context.Background()
	rng, start, _, data := rolledUpHistory(t, pool, now, 3, 6*time.Hour)
	for i := range 120 { // series 4–6: no sample of theirs shares a time with the history's
		s := sample{series: int64(4 + rng.IntN(3)), t: start.Add(time.Duration(i%3)*time.Hour + time.Duration(i)*time.Second), v: float64(i)}
		writeSamples(t, pool, []sample{s})
		data = append(data, s)
	}
	if n := len(invalidations(t, pool)); n != 120 {
		t.Fatalf("%d rows recorded for 120 late writes, want 120", n)
	}
	tight := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{LateBudget: time.Nanosecond, LateSeries: 1, Start: 2 * 24 * time.Hour})
	res, err := tight.Run(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if rows := invalidations(t, pool); len(rows) > 3 || !res.LatePending || res.LateSteps != 1 {
		t.Errorf("after a run with time for one step: %d rows (want at most 3, one per hour), result %+v", len(rows), res)
	}
	for range 20 {
		if res, err = tight.Run(ctx, now); err != nil {
			t.Fatal(err)
		}
		if !res.LatePending {
			break
		}
	}
	if rows := invalidations(t, pool); len(rows) != 0 {
		t.Fatalf("late rows left after 20 runs: %+v", rows)
	}
	r := tsdb.NewReader(pool, db.Dialect())
	ids := []int64{1, 2, 3, 4, 5, 6}
	assertAnswers(t, "after the flood", r, data, ids, tsdb.Tier1m, time.Minute, start, now.Truncate(time.Minute))
	assertAnswers(t, "after the flood", r, data, ids, tsdb.Tier1h, time.Hour, start, now.Truncate(time.Hour).Add(time.Hour))
}

// TestLateSamplesPastRetentionAreForgotten: an invalidation of an hour
// whose raw samples retention removes is dropped without a refresh, which
// on TimescaleDB would delete the hour's rollup rows.
func TestLateSamplesPastRetentionAreForgotten(t *testing.T) {
	pool, now := rollupFixture(t)
	ctx := context.Background()
	old := now.Add(-50 * time.Hour)
	writeSamples(t, pool, []sample{{1, old, 4}, {1, now.Add(-3 * time.Hour), 1}})
	materializeSince(t, pool, now.Add(-2*time.Minute).Truncate(time.Minute), 3*24*time.Hour)
	writeSamples(t, pool, []sample{{1, old.Add(time.Second), 6}})
	if rows := invalidations(t, pool); len(rows) != 1 {
		t.Fatalf("recorded %+v, want one row", rows)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM samples WHERE time < $1`, now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err) // as retention would have
	}
	roll := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Start: 2 * 24 * time.Hour})
	if _, err := roll.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	if rows := invalidations(t, pool); len(rows) != 0 {
		t.Errorf("an invalidation past retention is kept: %+v", rows)
	}
	var pts tsdb.Points
	err := tsdb.NewReader(pool, db.Dialect()).Buckets(ctx, tsdb.BucketQuery{SeriesIDs: []int64{1}, Tier: tsdb.Tier1h, Step: time.Hour,
		From: old.Truncate(time.Hour), To: old.Truncate(time.Hour).Add(time.Hour), Agg: tsdb.AggSum}, &pts)
	if err != nil || pts.Len() != 1 || pts.Values[0] != 4 {
		t.Errorf("the hour past retention reads %v (%v); want its rollup row kept, sum 4", pts.Values, err)
	}
}
