package tsdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

const day = 24 * time.Hour

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// oldAndNew writes one sample a day at noon for the last days days, rolls
// them up, and returns when "now" is.
func oldAndNew(t *testing.T, pool *pgxpool.Pool, days int) time.Time {
	t.Helper()
	now := time.Now().UTC()
	if _, err := tsdb.EnsurePartitions(context.Background(), pool, db.Dialect(), now.AddDate(0, 0, -days), now); err != nil {
		t.Fatal(err)
	}
	var in []sample
	for d := range days {
		noon := now.AddDate(0, 0, -d).Truncate(day).Add(12 * time.Hour)
		if noon.Before(now) {
			in = append(in, sample{series: 1, t: noon, v: float64(d)})
		}
	}
	writeSamples(t, pool, in)
	materializeSince(t, pool, now.Add(-time.Hour).Truncate(time.Minute), time.Duration(days+1)*day)
	return now
}

func TestEnforceRetentionDropsOldPartitionsAndRollups(t *testing.T) {
	pool := db.New(t)
	ctx := context.Background()
	if db.Dialect() != tsdb.Postgres {
		if res, err := tsdb.EnforceRetention(ctx, pool, db.Dialect(), tsdb.Retention{Raw: day}, time.Now()); err != nil || len(res.DroppedPartitions) != 0 {
			t.Fatalf("EnforceRetention on TimescaleDB: %+v, %v; its policies do the work", res, err)
		}
		return
	}
	now := oldAndNew(t, pool, 12)
	ret := tsdb.Retention{Raw: 3 * day, OneMinute: 5 * day, OneHour: 8 * day}
	res, err := tsdb.EnforceRetention(ctx, pool, db.Dialect(), ret, now)
	if err != nil {
		t.Fatal(err)
	}
	for d := range 12 {
		day := now.AddDate(0, 0, -d).Truncate(day)
		exists := count(t, pool, `SELECT count(*) FROM pg_class WHERE relname = $1`, tsdb.PartitionName(day)) == 1
		if keep := day.AddDate(0, 0, 1).After(now.Add(-ret.Raw)); exists != keep {
			t.Errorf("partition of %s exists %v, want %v (raw retention %s)", day.Format(time.DateOnly), exists, keep, ret.Raw)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM samples WHERE time < $1`, now.Add(-4*day)); n != 0 {
		t.Errorf("%d samples older than 4 days survive raw retention of 3", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM samples WHERE time >= $1`, now.Add(-2*day)); n < 2 {
		t.Errorf("%d samples of the last 2 days remain, want 2 or 3", n)
	}
	for _, c := range []struct {
		table string
		keep  time.Duration
	}{{"samples_1m", ret.OneMinute}, {"samples_1h", ret.OneHour}} {
		if n := count(t, pool, `SELECT count(*) FROM `+c.table+` WHERE bucket < $1`, now.Add(-c.keep)); n != 0 {
			t.Errorf("%s keeps %d rows older than %s", c.table, n, c.keep)
		}
		if n := count(t, pool, `SELECT count(*) FROM `+c.table+` WHERE bucket >= $1`, now.Add(-c.keep)); n < int(c.keep/day)-1 {
			t.Errorf("%s lost recent rows: %d left", c.table, n)
		}
	}
	if res.Minutes == 0 || res.Hours == 0 || len(res.DroppedPartitions) < 8 {
		t.Errorf("result %+v, want partitions and rollup rows removed", res)
	}
	if again, err := tsdb.EnforceRetention(ctx, pool, db.Dialect(), ret, now); err != nil || len(again.DroppedPartitions)+int(again.Minutes+again.Hours) != 0 {
		t.Errorf("a second run: %+v, %v; want nothing left to remove", again, err)
	}
}

func TestApplyRetentionReplacesOnlyChangedPolicies(t *testing.T) {
	pool := db.New(t)
	ctx := context.Background()
	ret := tsdb.Retention{Raw: 3 * day, OneMinute: 5 * day, OneHour: 8 * day}
	if db.Dialect() != tsdb.TimescaleDB {
		if ps, err := tsdb.ApplyRetention(ctx, pool, db.Dialect(), ret); err != nil || ps != nil {
			t.Fatalf("ApplyRetention on PostgreSQL: %+v, %v; want nothing (the worker enforces)", ps, err)
		}
		return
	}
	ps, err := tsdb.ApplyRetention(ctx, pool, db.Dialect(), ret)
	if err != nil || len(ps) != 3 || !ps[0].Changed || !ps[1].Changed || !ps[2].Changed {
		t.Fatalf("first ApplyRetention: %+v, %v; want three new policies", ps, err)
	}
	ret.OneHour = 9 * day
	ps, err = tsdb.ApplyRetention(ctx, pool, db.Dialect(), ret)
	if err != nil || ps[0].Changed || ps[1].Changed || !ps[2].Changed || ps[2].DropAfter != 9*day {
		t.Fatalf("after changing the hourly retention: %+v, %v; want only samples_1h replaced", ps, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'`); n != 3 {
		t.Fatalf("%d retention jobs, want 3", n)
	}
	ret.OneHour = 0
	ps, err = tsdb.ApplyRetention(ctx, pool, db.Dialect(), ret)
	if err != nil || !ps[2].Changed || count(t, pool, `SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'`) != 2 {
		t.Fatalf("retention 0 for samples_1h: %+v, %v; want its policy removed", ps, err)
	}
}

func TestRetentionPoliciesDropOldChunks(t *testing.T) {
	if db.Dialect() != tsdb.TimescaleDB {
		return // TestEnforceRetentionDropsOldPartitionsAndRollups on plain PostgreSQL
	}
	pool := db.New(t)
	ctx := context.Background()
	now := oldAndNew(t, pool, 60) // two months, rolled up
	ret := tsdb.Retention{Raw: 3 * day, OneMinute: 5 * day, OneHour: 9 * day}
	if _, err := tsdb.ApplyRetention(ctx, pool, db.Dialect(), ret); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'`)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil || len(jobs) != 3 {
		t.Fatalf("retention jobs %v, %v; want 3", jobs, err)
	}
	for _, id := range jobs {
		if _, err := pool.Exec(ctx, `CALL run_job($1)`, id); err != nil {
			t.Fatalf("run retention job %d: %v", id, err)
		}
	}
	// Chunks go whole: raw chunks are 1 day, rollup chunks 10 days.
	for _, c := range []struct {
		sql       string
		keep, gap time.Duration
	}{
		{`SELECT count(*) FROM samples WHERE time < $1`, ret.Raw, day},
		{`SELECT count(*) FROM samples_1m WHERE bucket < $1`, ret.OneMinute, 10 * day},
		{`SELECT count(*) FROM samples_1h WHERE bucket < $1`, ret.OneHour, 10 * day},
	} {
		if n := count(t, pool, c.sql, now.Add(-c.keep-c.gap-day)); n != 0 {
			t.Errorf("%s: %d rows past retention and a chunk survive", c.sql, n)
		}
		if n := count(t, pool, c.sql, now); n < int(c.keep/day)-1 {
			t.Errorf("%s: only %d recent rows left", c.sql, n)
		}
	}
}
