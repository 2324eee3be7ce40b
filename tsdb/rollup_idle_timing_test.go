package tsdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/monsys/monsys/tsdb"
)

// BenchmarkRollupIdleRun measures the fixed cost of one run of the
// plain-PostgreSQL rollup worker: a run with nothing new to roll up (one
// series, the watermark current), so what is timed is the run's own
// statements and transactions. Run against two builds, it gives what a
// change adds to every run, steady state included (tsdb/doc.go).
//
//	go test -run '^$' -bench RollupIdleRun -benchtime 200x -count 5 ./tsdb
func BenchmarkRollupIdleRun(b *testing.B) {
	if db.Dialect() != tsdb.Postgres {
		b.Skip("continuous aggregates on TimescaleDB")
	}
	pool := db.New(b)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	if _, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), now.AddDate(0, 0, -1), now); err != nil {
		b.Fatal(err)
	}
	loadSamples(b, pool, now.Add(-time.Hour), now, 10*time.Second, 1)
	r := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Start: 2 * time.Hour})
	if _, err := r.Run(ctx, now); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := r.Run(ctx, now.Add(time.Duration(i)*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}
}
