package tsdb_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// TestRollupAnswersEqualRaw is the rollups' contract: for random samples
// over several series, every (step, agg) answer read from samples_1m and
// samples_1h equals the answer computed from the raw samples themselves,
// over buckets that are rolled up, buckets still open (past the watermark
// or the last refresh), and buckets that late samples changed after they
// were first rolled up.
func TestRollupAnswersEqualRaw(t *testing.T) {
	pool := db.New(t)
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))

	now := time.Now().UTC()
	start := now.Add(-7 * time.Hour).Truncate(time.Hour).Add(time.Duration(rng.IntN(3600)) * time.Second)
	if _, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), start.AddDate(0, 0, -1), now.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	data := randomSamples(rng, 5, start, now)
	writeSamples(t, pool, data)

	// Roll up to a cut in the middle of an hour, then let samples arrive
	// late, behind the watermark but within the grace window, and roll up
	// again.
	cut := now.Add(-150 * time.Minute).Truncate(time.Minute).Add(17 * time.Second)
	materialize(t, pool, cut)
	var late []sample
	for i := range 40 {
		late = append(late, sample{series: int64(1 + i%5), t: cut.Add(-time.Duration(1+rng.IntN(8*60)) * time.Second).Add(time.Duration(i) * time.Millisecond), v: float64(rng.IntN(800)) / 8})
	}
	writeSamples(t, pool, late)
	data = append(data, late...)
	materialize(t, pool, cut)

	// The hub reads through a pool of generic plans
	// (ConfigureReadPool); answers must not depend on the plan.
	readers := []struct {
		name string
		r    *tsdb.Reader
	}{{"default plans", tsdb.NewReader(pool, db.Dialect())}, {"read pool", tsdb.NewReader(readPoolOf(t, pool), db.Dialect())},
		{"simple protocol (text rows)", tsdb.NewReader(simplePoolOf(t, pool), db.Dialect())}}
	ids := []int64{1, 2, 3, 4, 5}
	cases := []struct {
		tier  tsdb.Tier
		steps []time.Duration
	}{
		{tsdb.TierRaw, []time.Duration{10 * time.Second, time.Minute}},
		{tsdb.Tier1m, []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}},
		{tsdb.Tier1h, []time.Duration{time.Hour, 2 * time.Hour, 24 * time.Hour}},
	}
	for _, rd := range readers {
		for _, c := range cases {
			for _, step := range c.steps {
				from, to := start.Add(-time.Hour).Truncate(step), now.Add(step).Truncate(step)
				assertAnswers(t, rd.name, rd.r, data, ids, c.tier, step, from, to)
			}
		}
	}
}

// simplePoolOf opens a second pool on pool's database that speaks the
// simple query protocol, as behind a pooler that needs it: rows then
// arrive as text, and Buckets decodes them through pgx's Scan instead of
// from the binary format.
func simplePoolOf(t *testing.T, pool *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	cfg := pool.Config().Copy()
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	sp, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sp.Close)
	return sp
}

// readPoolOf opens a second pool on pool's database configured as the
// hub's read pool, and checks that the setting took.
func readPoolOf(t *testing.T, pool *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	cfg := pool.Config().Copy()
	tsdb.ConfigureReadPool(cfg)
	rp, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rp.Close)
	var mode string
	if err := rp.QueryRow(context.Background(), `SHOW plan_cache_mode`).Scan(&mode); err != nil || mode != "force_generic_plan" {
		t.Fatalf("read pool plan_cache_mode = %q (%v), want force_generic_plan", mode, err)
	}
	return rp
}
