package tsdb_test

import (
	"bytes"
	"context"
	"github.com/monsys/monsys/tsdb"
	"math"
	"testing"
	"time"
)

func TestCopySamplesRoundTrip(t *testing.T) {
	pool := db.New(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	if _, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), now.AddDate(0, 0, -1), now); err != nil {
		t.Fatal(err)
	}
	rows := &tsdb.SampleRows{
		TimesMs:   []int64{now.UnixMilli(), now.Add(-time.Hour).UnixMilli(), now.Add(-25 * time.Hour).UnixMilli()},
		SeriesIDs: []int64{1, 2, math.MaxInt64},
		Values:    []float64{0.125, -1e300, math.SmallestNonzeroFloat64},
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := tsdb.CopySamples(ctx, conn.Conn().PgConn(), rows, nil); err != nil {
		t.Fatal(err)
	}
	got, err := conn.Query(ctx, `SELECT time, series_id, value FROM samples ORDER BY time DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	i := 0
	for got.Next() {
		var ts time.Time
		var id int64
		var v float64
		if err := got.Scan(&ts, &id, &v); err != nil {
			t.Fatal(err)
		}
		if ts.UnixMilli() != rows.TimesMs[i] || id != rows.SeriesIDs[i] || v != rows.Values[i] {
			t.Errorf("row %d = (%v, %d, %v), want (%d, %d, %v)", i, ts, id, v, rows.TimesMs[i], rows.SeriesIDs[i], rows.Values[i])
		}
		i++
	}
	if i != 3 {
		t.Fatalf("%d rows back, want 3", i)
	}
}

func TestEnsurePartitionsIsIdempotent(t *testing.T) {
	pool := db.New(t)
	ctx := context.Background()
	from, to := time.Date(2030, 1, 30, 12, 0, 0, 0, time.UTC), time.Date(2030, 2, 2, 1, 0, 0, 0, time.UTC)
	n, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	if db.Dialect() == tsdb.Postgres && n != 4 {
		t.Fatalf("created %d partitions for Jan 30 – Feb 2, want 4", n)
	}
	if n, err = tsdb.EnsurePartitions(ctx, pool, db.Dialect(), from, to); err != nil || n != 0 {
		t.Fatalf("second run created %d (err %v), want 0", n, err)
	}
}

func TestAppendCopyBinaryAllocatesNothing(t *testing.T) {
	rows := &tsdb.SampleRows{}
	for i := range 1000 {
		rows.TimesMs = append(rows.TimesMs, int64(i))
		rows.SeriesIDs = append(rows.SeriesIDs, int64(i))
		rows.Values = append(rows.Values, float64(i))
	}
	buf := tsdb.AppendCopyBinary(nil, rows)
	if allocs := testing.AllocsPerRun(20, func() { buf = tsdb.AppendCopyBinary(buf[:0], rows) }); allocs != 0 {
		t.Fatalf("tsdb.AppendCopyBinary allocates %.0f times per call on a warm buffer", allocs)
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
