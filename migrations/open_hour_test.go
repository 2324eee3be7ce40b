package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/monsys/monsys/migrations"
	"github.com/monsys/monsys/tsdb"
)

// Migration 0009 moves reads of the hour the watermarks are in from
// samples_1m to samples_1h_open: on a database the rollup worker kept
// under 0008, it fills that table from the minutes already rolled up, so
// reads answer the same before the worker's next run.
func TestOpenHourFilledFromRolledUpMinutes(t *testing.T) {
	if db.Dialect() != tsdb.Postgres {
		t.Skip("plain PostgreSQL only: TimescaleDB's continuous aggregates have no open-hour table")
	}
	ctx := context.Background()
	conn := connect(t, emptyDatabase(t))
	if err := migrations.UpTo(ctx, conn, migrations.Options{}, 8); err != nil {
		t.Fatal(err)
	}
	hour := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	// Series 1 has minutes 10:00–10:02 settled and 10:03 past the minute
	// watermark; series 2 only minutes of the hour before.
	_, err := conn.Exec(ctx, `
INSERT INTO samples_1m (bucket, series_id, count, sum, min, max, last) VALUES
  ($1::timestamptz + INTERVAL '0 minute', 1, 2, 3, 1, 2, 2),
  ($1::timestamptz + INTERVAL '1 minute', 1, 1, 5, 5, 5, 5),
  ($1::timestamptz + INTERVAL '2 minute', 1, 3, 3, 0, 2, 0.5),
  ($1::timestamptz + INTERVAL '3 minute', 1, 1, 100, 100, 100, 100),
  ($1::timestamptz - INTERVAL '1 minute', 2, 1, 7, 7, 7, 7)`, hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `INSERT INTO rollup_watermarks (tier, watermark) VALUES ('1m', $1::timestamptz + INTERVAL '3 minute'), ('1h', $1)`, hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrations.Up(ctx, conn, migrations.Options{}); err != nil {
		t.Fatal(err)
	}
	var n int
	var series, count int64
	var bucket time.Time
	var sum, lo, hi, last float64
	err = conn.QueryRow(ctx, `SELECT count(*) OVER (), series_id, bucket, count, sum, min, max, last FROM samples_1h_open`).
		Scan(&n, &series, &bucket, &count, &sum, &lo, &hi, &last)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || series != 1 || !bucket.Equal(hour) || count != 6 || sum != 11 || lo != 0 || hi != 5 || last != 0.5 {
		t.Errorf("open hour = %d rows, first (series %d, %s, count %d, sum %v, min %v, max %v, last %v); want 1 row (1, %s, 6, 11, 0, 5, 0.5)",
			n, series, bucket.UTC(), count, sum, lo, hi, last, hour)
	}
}
