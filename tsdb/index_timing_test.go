package tsdb_test

import (
	"context"
	"fmt"
	"github.com/monsys/monsys/tsdb"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// BenchmarkCopyIndexChoice measures COPY throughput into one day partition
// of samples under each candidate index, with series ids spread the way a
// fleet writes them (many series, times increasing). It informs the index
// in migration 0004; the figures are in doc.go.
func BenchmarkCopyIndexChoice(b *testing.B) {
	variants := []struct{ name, ddl string }{
		{"none", ``},
		{"btree_series_time", `CREATE INDEX ON samples_bench (series_id, time)`},
		{"btree_time", `CREATE INDEX ON samples_bench (time)`},
		{"brin_time+btree_series", `CREATE INDEX ON samples_bench USING brin (time); CREATE INDEX ON samples_bench (series_id)`},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			pool := db.New(b)
			ctx := context.Background()
			mustExec(b, pool, `CREATE TABLE samples_bench (time timestamptz NOT NULL, series_id bigint NOT NULL, value double precision NOT NULL)`)
			if v.ddl != "" {
				mustExec(b, pool, v.ddl)
			}
			const rowsPerCopy = 50_000
			const seriesCount = 100_000 // 1000 agents × 100 series
			rows := &tsdb.SampleRows{}
			base := time.Now().Add(-time.Hour).UnixMilli()
			step := 0
			fill := func() {
				rows.Reset()
				for i := range rowsPerCopy {
					s := (step*rowsPerCopy + i) % seriesCount
					rows.TimesMs = append(rows.TimesMs, base+int64((step*rowsPerCopy+i)/seriesCount)*10_000)
					rows.SeriesIDs = append(rows.SeriesIDs, int64(s))
					rows.Values = append(rows.Values, float64(i))
				}
				step++
			}
			conn, err := pool.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Release()
			var buf []byte
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				b.StopTimer()
				fill()
				b.StartTimer()
				buf = tsdb.AppendCopyBinary(buf[:0], rows)
				if _, err := conn.Conn().PgConn().CopyFrom(ctx, bytesReader(buf), `COPY samples_bench (time, series_id, value) FROM STDIN BINARY`); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*rowsPerCopy)/time.Since(start).Seconds(), "rows/s")
		})
	}
}

func mustExec(tb testing.TB, pool *pgxpool.Pool, sql string) {
	tb.Helper()
	if _, err := pool.Exec(context.Background(), sql); err != nil {
		tb.Fatal(fmt.Errorf("%s: %w", sql, err))
	}
}
