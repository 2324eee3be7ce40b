package tsdb_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// minuteRows reads samples_1m as bucket → count for series 1 (plain
// PostgreSQL: the table itself).
func minuteRows(t *testing.T, pool *pgxpool.Pool) map[time.Time]int64 {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT bucket, count FROM samples_1m WHERE series_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[time.Time]int64{}
	for rows.Next() {
		var b time.Time
		var n int64
		if err := rows.Scan(&b, &n); err != nil {
			t.Fatal(err)
		}
		out[b.UTC()] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func rollupFixture(t *testing.T) (*pgxpool.Pool, time.Time) {
	t.Helper()
	pool := db.New(t)
	now := time.Now().UTC()
	if _, err := tsdb.EnsurePartitions(context.Background(), pool, db.Dialect(), now.AddDate(0, 0, -3), now.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	return pool, now
}

func TestRollupRollsOnlyCompleteMinutesOnce(t *testing.T) {
	pool, now := rollupFixture(t)
	ctx := context.Background()
	var in []sample
	for ts := now.Add(-30 * time.Minute); ts.Before(now); ts = ts.Add(5 * time.Second) {
		in = append(in, sample{series: 1, t: ts, v: 1})
	}
	writeSamples(t, pool, in)
	r := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Lag: time.Minute, Grace: 10 * time.Minute, Start: 2 * 24 * time.Hour})
	res, err := r.Run(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if db.Dialect() == tsdb.TimescaleDB {
		if res != (tsdb.RollupResult{}) {
			t.Fatalf("Run on TimescaleDB did %+v; its policies roll up", res)
		}
		return
	}
	wm := now.Add(-time.Minute).Truncate(time.Minute)
	if !res.Through.Equal(wm) || !res.Watermark.Equal(wm.Add(-10*time.Minute)) || res.Minutes < 28 {
		t.Fatalf("first run: %+v; want minutes through %s, settled up to 10 minutes before, about 29 minutes", res, wm)
	}
	first := minuteRows(t, pool)
	for b, n := range first {
		if !b.Before(wm) {
			t.Errorf("minute %s is rolled up although it is not complete (through %s)", b, wm)
		}
		if b.After(now.Add(-29*time.Minute)) && n != 12 {
			t.Errorf("minute %s holds %d samples, want 12", b, n)
		}
	}
	again, err := r.Run(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if again.Minutes != 0 || again.Hours != 0 || !again.Through.Equal(wm) {
		t.Errorf("second run at the same time: %+v; want nothing rewritten", again)
	}
	if second := minuteRows(t, pool); len(second) != len(first) {
		t.Errorf("second run changed samples_1m: %d rows, then %d", len(first), len(second))
	}
}

// TestRollupLateSamples pins the grace rule: a sample for a minute that was
// already rolled up is in every answer at once and in the rollup after the
// next run if it arrives within the grace window; an older one is recorded
// as late and rolled up again by the next run (TestLateSamplesReachEveryTier
// holds every tier to that).
func TestRollupLateSamples(t *testing.T) {
	if db.Dialect() != tsdb.Postgres {
		t.Skip("the grace window is the plain-PostgreSQL worker's; late samples on TimescaleDB: TestLateSamplesReachEveryTier")
	}
	pool, now := rollupFixture(t)
	ctx := context.Background()
	writeSamples(t, pool, []sample{{1, now.Add(-2 * time.Hour), 1}, {1, now.Add(-3 * time.Minute), 1}})
	r := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Lag: time.Minute, Grace: 10 * time.Minute, Start: 2 * 24 * time.Hour})
	if _, err := r.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	within, beyond := now.Add(-8*time.Minute), now.Add(-40*time.Minute)
	writeSamples(t, pool, []sample{{1, within, 2}, {1, beyond, 3}})
	sumOf := func(at time.Time) float64 {
		var pts tsdb.Points
		from := at.Truncate(time.Minute)
		err := tsdb.NewReader(pool, db.Dialect()).Buckets(ctx, tsdb.BucketQuery{SeriesIDs: []int64{1}, Tier: tsdb.Tier1m,
			Step: time.Minute, From: from, To: from.Add(time.Minute), Agg: tsdb.AggSum}, &pts)
		if err != nil {
			t.Fatal(err)
		}
		if pts.Len() == 0 {
			return 0
		}
		return pts.Values[0]
	}
	if got := sumOf(within); got != 2 {
		t.Errorf("before the next run, the 1m tier answers %v for the late sample's minute, want 2", got)
	}
	res, err := r.Run(ctx, now.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	rows := minuteRows(t, pool)
	if rows[within.Truncate(time.Minute)] != 1 || res.Minutes != 1 || sumOf(within) != 2 {
		t.Errorf("a sample 7 minutes late: minute holds %d, %d rows changed; want it rolled up", rows[within.Truncate(time.Minute)], res.Minutes)
	}
	if rows[beyond.Truncate(time.Minute)] != 1 || res.LateMinutes != 1 || sumOf(beyond) != 3 {
		t.Errorf("a sample 39 minutes late: minute holds %d, %d rows rolled up again; want it in the 1m tier after the run",
			rows[beyond.Truncate(time.Minute)], res.LateMinutes)
	}
}

func TestRollupCatchesUpInSteps(t *testing.T) {
	if db.Dialect() != tsdb.Postgres {
		t.Skip("the rollup worker runs on plain PostgreSQL only; TimescaleDB uses continuous aggregates")
	}
	pool, now := rollupFixture(t)
	ctx := context.Background()
	var in []sample
	for ts := now.Add(-30 * time.Hour); ts.Before(now); ts = ts.Add(time.Minute) {
		in = append(in, sample{series: 1, t: ts, v: 1})
	}
	writeSamples(t, pool, in)
	r := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Step: 6 * time.Hour, Start: 2 * 24 * time.Hour})
	res, err := r.Run(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps < 8 || !res.Through.Equal(now.Add(-time.Minute).Truncate(time.Minute)) {
		t.Errorf("catch-up from 2 days back in 6 h steps: %+v; want 8 or 9 steps up to the last complete minute", res)
	}
	var hours int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM samples_1h WHERE series_id = 1 AND count = 60`).Scan(&hours); err != nil || hours < 28 {
		t.Errorf("%d full hours rolled up (err %v), want 29", hours, err)
	}
}

func TestRollupSkipsWhileAnotherHubRolls(t *testing.T) {
	if db.Dialect() != tsdb.Postgres {
		t.Skip("the rollup worker runs on plain PostgreSQL only; TimescaleDB uses continuous aggregates")
	}
	pool, now := rollupFixture(t)
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // the test only holds the lock
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(0x6d6f6e7379735f72)); err != nil {
		t.Fatal(err)
	}
	res, err := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{}).Run(ctx, now)
	if err != nil || !res.Skipped || res.Steps != 0 {
		t.Errorf("Run while another holds the lock: %+v, %v; want skipped", res, err)
	}
}

// TestRollupAfterGraceShrank: minutes past the grace window are replaced,
// not upserted, so a run after the operator shortened Grace meets rows an
// earlier run wrote there; they must be rewritten from raw samples, not
// duplicated or refused.
func TestRollupAfterGraceShrank(t *testing.T) {
	if db.Dialect() != tsdb.Postgres {
		t.Skip("the rollup worker runs on plain PostgreSQL only; TimescaleDB uses continuous aggregates")
	}
	pool, now := rollupFixture(t)
	ctx := context.Background()
	var in []sample
	for ts := now.Add(-50 * time.Minute); ts.Before(now); ts = ts.Add(10 * time.Second) {
		in = append(in, sample{series: 1, t: ts, v: 1})
	}
	writeSamples(t, pool, in)
	wide := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Grace: 30 * time.Minute, Start: 2 * 24 * time.Hour})
	if _, err := wide.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	late := now.Add(-5 * time.Minute).Truncate(time.Minute).Add(time.Second)
	writeSamples(t, pool, []sample{{1, late, 1}})
	narrow := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Grace: 2 * time.Minute, Start: 2 * 24 * time.Hour})
	if _, err := narrow.Run(ctx, now.Add(time.Minute)); err != nil {
		t.Fatalf("run after Grace shrank from 30m to 2m: %v", err)
	}
	rows := minuteRows(t, pool)
	if got := rows[late.Truncate(time.Minute)]; got != 7 {
		t.Errorf("the minute with a late sample holds %d samples after the run, want 7", got)
	}
	for b, n := range rows {
		if b.After(now.Add(-49*time.Minute)) && b != late.Truncate(time.Minute) && n != 6 {
			t.Errorf("minute %s holds %d samples, want 6", b, n)
		}
	}
}

// TestOpenHourFollowsTheWatermark: reads of the hourly tier take the hour
// the watermarks are in from samples_1h_open, which a run adds its newly
// settled minutes to while the watermark stays in that hour, and sums
// anew when it enters the next. Answers must equal raw ones after each,
// with late samples (within the grace window) among them.
func TestOpenHourFollowsTheWatermark(t *testing.T) {
	if db.Dialect() != tsdb.Postgres {
		t.Skip("the rollup worker runs on plain PostgreSQL only; TimescaleDB uses continuous aggregates")
	}
	pool := db.New(t)
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	hour := time.Now().UTC().Add(-4 * time.Hour).Truncate(time.Hour)
	if _, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), hour.AddDate(0, 0, -1), hour.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	data := randomSamples(rng, 3, hour.Add(-2*time.Hour), hour.Add(3*time.Hour))
	writeSamples(t, pool, data)
	ids := []int64{1, 2, 3}
	r := tsdb.NewReader(pool, db.Dialect())
	// Cuts put the watermark (cut − 10 min) at :20 and :35 of one hour,
	// then at :05 of the next; late samples arrive between the last two.
	for i, cut := range []time.Duration{30 * time.Minute, 45 * time.Minute, 75 * time.Minute} {
		if i == 2 {
			var late []sample
			for k := range 12 {
				late = append(late, sample{series: int64(1 + k%3), t: hour.Add(36*time.Minute + time.Duration(k)*time.Minute).Add(time.Duration(k) * time.Millisecond), v: float64(rng.IntN(800)) / 8})
			}
			writeSamples(t, pool, late)
			data = append(data, late...)
		}
		materializeSince(t, pool, hour.Add(cut), 2*24*time.Hour)
		for _, step := range []time.Duration{time.Hour, 3 * time.Hour} {
			assertAnswers(t, "watermark at "+hour.Add(cut-10*time.Minute).Format("15:04"), r, data, ids, tsdb.Tier1h, step,
				hour.Add(-3*time.Hour).Truncate(step), hour.Add(6*time.Hour).Truncate(step))
		}
	}
}
