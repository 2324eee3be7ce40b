package grafana_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// timescaleOrigin is where TimescaleDB's time_bucket counts buckets from
// when given none: Monday 2000-01-03 UTC (src/time_bucket.c,
// DEFAULT_ORIGIN); month-sized buckets count from 2000-01-01.
var timescaleOrigin = time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC)

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// wantBucket is TimescaleDB's answer, worked out here: whole buckets of
// width from the origin, rounding down before it too.
func wantBucket(width time.Duration, ts time.Time) time.Time {
	us := ts.Sub(timescaleOrigin).Microseconds()
	w := width.Microseconds()
	return timescaleOrigin.Add(time.Duration(floorDiv(us, w)*w) * time.Microsecond)
}

func wantMonthBucket(months int64, ts time.Time) time.Time {
	ts = ts.UTC()
	m := floorDiv(int64(ts.Year()-2000)*12+int64(ts.Month())-1, months) * months
	return time.Date(2000+int(floorDiv(m, 12)), time.Month(m-floorDiv(m, 12)*12+1), 1, 0, 0, 0, 0, time.UTC)
}

// TestTimeBucketAgreesWithTimescaleDB runs time_bucket(interval,
// timestamptz) as monsys_grafana on random times from 1990 to 2040 and on
// bucket edges: on TimescaleDB it is the extension's, on plain PostgreSQL
// migration 0006's shim, and both must give TimescaleDB's answers.
func TestTimeBucketAgreesWithTimescaleDB(t *testing.T) {
	t.Parallel()
	f := newFleet(t, false)
	rng := rand.New(rand.NewPCG(1, 2))
	var widths []string
	var times, want []time.Time
	add := func(width string, ts, w time.Time) {
		widths, times, want = append(widths, width), append(times, ts), append(want, w)
	}
	lo, hi := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, w := range []time.Duration{time.Second, 7 * time.Second, time.Minute, 5 * time.Minute, 90 * time.Minute,
		time.Hour, 3 * time.Hour, 24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour, 10 * 24 * time.Hour} {
		width := fmt.Sprintf("%d seconds", int64(w.Seconds()))
		for range 20 {
			ts := lo.Add(time.Duration(rng.Int64N(int64(hi.Sub(lo)/time.Microsecond))) * time.Microsecond)
			add(width, ts, wantBucket(w, ts))
		}
		// Edges: on a bucket start before and after the origin, and just before one.
		for _, edge := range []time.Time{timescaleOrigin.Add(-3 * w), timescaleOrigin.Add(5 * w)} {
			add(width, edge, edge)
			add(width, edge.Add(-time.Microsecond), edge.Add(-w))
		}
	}
	for _, months := range []int64{1, 3, 12, 18} {
		width := fmt.Sprintf("%d months", months)
		for range 20 {
			ts := lo.Add(time.Duration(rng.Int64N(int64(hi.Sub(lo)/time.Microsecond))) * time.Microsecond)
			add(width, ts, wantMonthBucket(months, ts))
		}
	}
	// The literal Grafana writes with the TimescaleDB option on.
	ts := time.Date(2024, 5, 15, 12, 7, 13, 0, time.UTC)
	add("300.000s", ts, time.Date(2024, 5, 15, 12, 5, 0, 0, time.UTC))
	add("3 days", ts, time.Date(2024, 5, 14, 0, 0, 0, 0, time.UTC))

	rows, err := f.grafana.Query(context.Background(), `SELECT time_bucket(w::interval, ts)
FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS u(w, ts, i) ORDER BY i`, widths, times)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("time_bucket('%s', %s) = %s, want %s", widths[i], times[i].Format(time.RFC3339Nano),
				got[i].UTC().Format(time.RFC3339Nano), want[i].Format(time.RFC3339Nano))
		}
	}
	var mixed string
	err = f.grafana.QueryRow(context.Background(), `SELECT time_bucket('1 month 1 day', now())::text`).Scan(&mixed)
	if err == nil {
		t.Errorf("time_bucket('1 month 1 day', now()) = %s, want an error as TimescaleDB gives", mixed)
	}
}
