package tsdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// BenchmarkRollupSteadyState measures one run of the plain-PostgreSQL
// rollup worker in steady state (the watermark one minute behind, so a run
// re-reads the 10-minute grace window and rolls one new minute), over a
// day partition holding 6 hours of 1000 series at 10 s (2.16 M rows),
// with and without the BRIN index on samples(time) that migration 0005
// adds. The figures are in doc.go.
//
//	go test -run '^$' -bench RollupSteadyState -benchtime 20x ./tsdb
func BenchmarkRollupSteadyState(b *testing.B) {
	for _, v := range []struct {
		name string
		ddl  string
	}{{"brin", ""}, {"no_index_on_time", `DROP INDEX samples_time_brin`}} {
		b.Run(v.name, func(b *testing.B) {
			if db.Dialect() != tsdb.Postgres {
				b.Skip("continuous aggregates on TimescaleDB")
			}
			pool := db.New(b)
			ctx := context.Background()
			now := time.Now().UTC()
			start := now.Add(-6 * time.Hour)
			if _, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), start, now); err != nil {
				b.Fatal(err)
			}
			if v.ddl != "" {
				mustExec(b, pool, v.ddl)
			}
			loadSamples(b, pool, start, now, 10*time.Second, 1000)
			mustExec(b, pool, `VACUUM ANALYZE samples`)
			r := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Lag: time.Minute, Grace: 10 * time.Minute, Start: 7 * time.Hour})
			if _, err := r.Run(ctx, now); err != nil { // catch up once
				b.Fatal(err)
			}
			b.ResetTimer()
			began := time.Now()
			for i := range b.N {
				if _, err := r.Run(ctx, now.Add(time.Duration(i)*time.Second)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(began).Milliseconds())/float64(b.N), "ms/run")
		})
	}
}

// BenchmarkRollupCatchUp measures the plain-PostgreSQL rollup worker
// catching up from nothing: 6 hours of 2000 series at 60 s spacing
// (720 000 raw rows, one per minute row). It reports raw rows rolled up per
// second, the figure that says how far behind ingest the worker can fall.
//
//	go test -run '^$' -bench RollupCatchUp -benchtime 3x ./tsdb
func BenchmarkRollupCatchUp(b *testing.B) {
	if db.Dialect() != tsdb.Postgres {
		b.Skip("continuous aggregates on TimescaleDB")
	}
	pool := db.New(b)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	start := now.Add(-6 * time.Hour)
	if _, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), start, now); err != nil {
		b.Fatal(err)
	}
	const seriesCount = 2000
	loadSamples(b, pool, start, now, time.Minute, seriesCount)
	mustExec(b, pool, `VACUUM ANALYZE samples`)
	r := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Lag: time.Nanosecond, Start: 7 * time.Hour})
	var elapsed time.Duration
	for range b.N {
		mustExec(b, pool, `TRUNCATE samples_1m, samples_1h, rollup_watermarks`)
		began := time.Now()
		if _, err := r.Run(ctx, now); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(began)
	}
	b.ReportMetric(float64(b.N)*6*60*seriesCount/elapsed.Seconds(), "raw_rows/s")
}

// loadSamples writes one sample per series every step over [from, to)
// with binary COPY.
func loadSamples(b *testing.B, pool *pgxpool.Pool, from, to time.Time, step time.Duration, seriesCount int64) {
	b.Helper()
	ctx := context.Background()
	rows := &tsdb.SampleRows{}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	var buf []byte
	for ts := from; ts.Before(to); ts = ts.Add(step) {
		for s := range seriesCount {
			rows.TimesMs, rows.SeriesIDs, rows.Values = append(rows.TimesMs, ts.UnixMilli()), append(rows.SeriesIDs, s), append(rows.Values, float64(s))
		}
		if rows.Len() >= 100_000 {
			if buf, err = tsdb.CopySamples(ctx, conn.Conn().PgConn(), rows, buf); err != nil {
				b.Fatal(err)
			}
			rows.Reset()
		}
	}
	if _, err = tsdb.CopySamples(ctx, conn.Conn().PgConn(), rows, buf); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCopyWithTimeBRIN measures what the BRIN index of migration 0005
// costs ingest: binary COPY of 50 000-row batches over 100 000 series into
// one day partition with the samples index, with and without it.
//
//	go test -run '^$' -bench CopyWithTimeBRIN -benchtime 40x -count 3 ./tsdb
func BenchmarkCopyWithTimeBRIN(b *testing.B) {
	for _, v := range []struct{ name, ddl string }{
		{"btree", `CREATE INDEX ON samples_bench (series_id, time)`},
		{"btree+brin", `CREATE INDEX ON samples_bench (series_id, time); CREATE INDEX ON samples_bench USING brin (time) WITH (autosummarize = on)`},
	} {
		b.Run(v.name, func(b *testing.B) {
			pool := db.New(b)
			ctx := context.Background()
			mustExec(b, pool, `CREATE TABLE samples_bench (time timestamptz NOT NULL, series_id bigint NOT NULL, value double precision NOT NULL)`)
			mustExec(b, pool, v.ddl)
			const rowsPerCopy, seriesCount = 50_000, 100_000
			rows := &tsdb.SampleRows{}
			base := time.Now().Add(-time.Hour).UnixMilli()
			conn, err := pool.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Release()
			var buf []byte
			var elapsed time.Duration
			for step := range b.N {
				rows.Reset()
				for i := range rowsPerCopy {
					n := step*rowsPerCopy + i
					rows.TimesMs = append(rows.TimesMs, base+int64(n/seriesCount)*10_000)
					rows.SeriesIDs = append(rows.SeriesIDs, int64(n%seriesCount))
					rows.Values = append(rows.Values, float64(i))
				}
				buf = tsdb.AppendCopyBinary(buf[:0], rows)
				start := time.Now()
				if _, err := conn.Conn().PgConn().CopyFrom(ctx, bytesReader(buf), `COPY samples_bench (time, series_id, value) FROM STDIN BINARY`); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(b.N*rowsPerCopy)/elapsed.Seconds(), "rows/s")
		})
	}
}

// BenchmarkLateRollup measures what rolling late samples up again costs
// the worker: over 6 hours of 1000 series at 10 s, rolled up, each
// iteration writes one agent's late hour (100 series × 360 samples, an
// agent replaying its spool) into an hour already rolled up, then times
// the worker's run that takes it in, less a run without late samples
// just before (on plain PostgreSQL the steady-state step, about 250 ms).
// On plain PostgreSQL the late part rolls the 100 series' minutes and
// hour up again; on TimescaleDB it refreshes the hour of both continuous
// aggregates, every series of it.
//
//	go test -run '^$' -bench LateRollup -benchtime 10x ./tsdb
func BenchmarkLateRollup(b *testing.B) {
	pool := db.New(b)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	start := now.Add(-6 * time.Hour).Truncate(time.Hour)
	if _, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), start.AddDate(0, 0, -1), now); err != nil {
		b.Fatal(err)
	}
	loadSamples(b, pool, start, now, 10*time.Second, 1000)
	mustExec(b, pool, `VACUUM ANALYZE samples`)
	r := tsdb.NewRollup(pool, db.Dialect(), tsdb.RollupConfig{Start: 2 * 24 * time.Hour})
	if db.Dialect() == tsdb.TimescaleDB {
		for _, view := range []string{"samples_1m", "samples_1h"} {
			if err := refresh(ctx, pool, `CALL refresh_continuous_aggregate('`+view+`', NULL, $1::timestamptz)`, now.Add(-time.Minute)); err != nil {
				b.Fatal(err)
			}
		}
	} else if _, err := r.Run(ctx, now); err != nil {
		b.Fatal(err)
	}
	rows := &tsdb.SampleRows{}
	var elapsed, steady time.Duration
	var late int64
	for i := range b.N {
		began := time.Now()
		if _, err := r.Run(ctx, now.Add(time.Duration(2*i)*time.Second)); err != nil {
			b.Fatal(err)
		}
		steady += time.Since(began)
		hour := start.Add(time.Duration(i%5) * time.Hour)
		rows.Reset()
		for ts := hour; ts.Before(hour.Add(time.Hour)); ts = ts.Add(10 * time.Second) {
			for s := range int64(100) {
				rows.TimesMs = append(rows.TimesMs, ts.UnixMilli()+1+int64(i))
				rows.SeriesIDs = append(rows.SeriesIDs, 100*int64(i%10)+s)
				rows.Values = append(rows.Values, float64(i))
			}
		}
		conn, err := pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		_, err = tsdb.CopySamples(ctx, conn.Conn().PgConn(), rows, nil)
		conn.Release()
		if err != nil {
			b.Fatal(err)
		}
		began = time.Now()
		res, err := r.Run(ctx, now.Add(time.Duration(2*i+1)*time.Second))
		if err != nil || res.LateSteps == 0 || res.LatePending {
			b.Fatalf("run: %+v, %v; want the late hour taken in", res, err)
		}
		elapsed += time.Since(began)
		late += int64(rows.Len())
	}
	extra := elapsed - steady
	b.ReportMetric(float64(steady.Milliseconds())/float64(b.N), "ms/steady_run")
	b.ReportMetric(float64(extra.Milliseconds())/float64(b.N), "ms/late_hour")
	b.ReportMetric(float64(late)/extra.Seconds(), "late_samples/s")
}
