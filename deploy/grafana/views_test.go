package grafana_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/tsdb"
)

// bucketRow is one series' aggregate over one bucket.
type bucketRow struct {
	count                     int64
	sum, min, max, last, mean float64
	hostname, tenant, labels  string
}

type bucketKey struct {
	series int64
	at     time.Time
}

// TestRollupViewsAgreeWithRaw: for every series and every hour of the
// range, the last one still open included, grafana.metrics_1h,
// grafana.metrics_1m summed up to the hour and grafana.metrics aggregated
// by hour say the same, identifying columns included.
func TestRollupViewsAgreeWithRaw(t *testing.T) {
	t.Parallel()
	f := newFleet(t, true)
	from, to := f.from.Truncate(time.Hour).Add(time.Hour), f.now.Add(time.Minute)
	read := func(sql string) map[bucketKey]bucketRow {
		t.Helper()
		rows, err := f.grafana.Query(context.Background(), sql, from, to)
		if err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
		out := map[bucketKey]bucketRow{}
		for rows.Next() {
			var k bucketKey
			var r bucketRow
			if err := rows.Scan(&k.series, &k.at, &r.count, &r.sum, &r.min, &r.max, &r.last, &r.mean,
				&r.hostname, &r.tenant, &r.labels); err != nil {
				t.Fatal(err)
			}
			out[k] = r
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	hourly := read(`SELECT series_id, time, count, sum, min, max, last, avg, hostname, tenant, labels_text
FROM grafana.metrics_1h WHERE time >= $1 AND time < $2`)
	fromMinutes := read(`SELECT series_id, time_bucket('1 hour', time) AS hour, sum(count)::bigint, sum(sum), min(min), max(max),
  (array_agg(last ORDER BY time DESC))[1], sum(sum) / sum(count), hostname, tenant, labels_text
FROM grafana.metrics_1m WHERE time >= $1 AND time < $2 GROUP BY series_id, hour, hostname, tenant, labels_text`)
	fromRaw := read(`SELECT series_id, time_bucket('1 hour', time) AS hour, count(*), sum(value), min(value), max(value),
  (array_agg(value ORDER BY time DESC))[1], avg(value), hostname, tenant, labels_text
FROM grafana.metrics WHERE time >= $1 AND time < $2 GROUP BY series_id, hour, hostname, tenant, labels_text`)
	if want := 2 * len(metricSet) * int((to.Sub(from)+time.Hour-1)/time.Hour); len(fromRaw) != want {
		t.Fatalf("%d hourly buckets from raw samples, want %d", len(fromRaw), want)
	}
	for name, got := range map[string]map[bucketKey]bucketRow{"metrics_1h": hourly, "metrics_1m": fromMinutes} {
		if len(got) != len(fromRaw) {
			t.Errorf("grafana.%s: %d hourly buckets, raw samples %d", name, len(got), len(fromRaw))
		}
		for k, want := range fromRaw {
			if g, ok := got[k]; !ok || !sameBucket(g, want) {
				t.Errorf("grafana.%s series %d at %s: %+v, raw samples say %+v", name, k.series, k.at, g, want)
			}
		}
	}
}

func sameBucket(a, b bucketRow) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y))) }
	return a.count == b.count && near(a.sum, b.sum) && near(a.min, b.min) && near(a.max, b.max) &&
		near(a.last, b.last) && near(a.mean, b.mean) &&
		a.hostname == b.hostname && a.tenant == b.tenant && a.labels == b.labels
}

// TestViewLabels: labels read like Prometheus, sorted by key with values
// quoted and escaped; a tenant-level series has no agent and no hostname.
func TestViewLabels(t *testing.T) {
	t.Parallel()
	f := newFleet(t, false)
	ctx := context.Background()
	if _, err := tsdb.EnsurePartitions(ctx, f.admin, db.Dialect(), f.now, f.now); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ agent, metric, labels string }{
		{agentWeb, "filesystem_used_ratio", `{"mountpoint": "/mnt/\"x\"", "device": "sdb1"}`},
		{"", "up", `{}`},
	} {
		var agent any
		if s.agent != "" {
			agent = s.agent
		}
		if _, err := f.admin.Exec(ctx, `WITH s AS (
  INSERT INTO series (tenant_id, agent_id, metric, labels, labels_hash)
  VALUES ($1, $2, $3, $4::text::jsonb, substring(sha256(convert_to($3 || $4::text, 'UTF8')) for 16)) RETURNING id)
INSERT INTO samples (time, series_id, value) SELECT $5, id, 1 FROM s`, tenantAcme, agent, s.metric, s.labels, f.now); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := f.grafana.Query(ctx, `SELECT metric, labels_text, series, coalesce(hostname, '-'), coalesce(mountpoint, '-'),
  coalesce(device, '-'), tenant, tenant_name FROM grafana.metrics ORDER BY metric`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var c [8]string
		err := r.Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7])
		return fmt.Sprintf("%q", c), err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("%q", [8]string{"filesystem_used_ratio", `device="sdb1", mountpoint="/mnt/\"x\""`,
			`filesystem_used_ratio{device="sdb1", mountpoint="/mnt/\"x\""}`, "web-1", `/mnt/"x"`, "sdb1", "acme", "Acme Corp"}),
		fmt.Sprintf("%q", [8]string{"up", "", "up", "-", "-", "-", "acme", "Acme Corp"}),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("grafana.metrics rows\n got %v\nwant %v", got, want)
	}
}

// TestAgentAndAlertViews: status as the API derives it, deleted agents
// left out, alerts with their host and an open end while firing.
func TestAgentAndAlertViews(t *testing.T) {
	t.Parallel()
	f := newFleet(t, false)
	ctx := context.Background()
	rows, err := f.grafana.Query(ctx, `SELECT hostname || ':' || status || ':' || tenant || ':' || (time IS NOT NULL)
FROM grafana.agents ORDER BY hostname`)
	if err != nil {
		t.Fatal(err)
	}
	agents, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if want := "[db-1:offline:acme:true new-1:pending:globex:false web-1:online:acme:true]"; err != nil || fmt.Sprint(agents) != want {
		t.Errorf("grafana.agents: %v (err %v), want %s", agents, err, want)
	}
	rows, err = f.grafana.Query(ctx, `SELECT hostname || ':' || severity || ':' || state || ':' || (time_end IS NULL) || ':' || (time = started_at)
FROM grafana.alerts ORDER BY time`)
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if want := "[web-1:warning:resolved:false:true db-1:critical:firing:true:true]"; err != nil || fmt.Sprint(alerts) != want {
		t.Errorf("grafana.alerts: %v (err %v), want %s", alerts, err, want)
	}
}
