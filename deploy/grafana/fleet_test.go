package grafana_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// fleet is a migrated database holding a small fleet, and two ways in.
type fleet struct {
	admin   *pgxpool.Pool // the superuser that migrated it
	grafana *pgxpool.Pool // every session SET ROLE monsys_grafana, as Grafana's login would be
	from    time.Time     // first sample
	now     time.Time     // last sample, on a whole minute
}

// The fleet: tenant acme with web-1 (online), db-1 (offline) and gone-1
// (deleted); tenant globex with new-1 (pending, nothing reported).
const (
	tenantAcme   = "00000000-0000-7000-8000-00000000000a"
	tenantGlobex = "00000000-0000-7000-8000-00000000000b"
	agentWeb     = "00000000-0000-7000-8000-000000000001"
	agentDB      = "00000000-0000-7000-8000-000000000002"
	agentNew     = "00000000-0000-7000-8000-000000000003"
	agentGone    = "00000000-0000-7000-8000-000000000004"
)

// seriesDef is one series every agent with data reports: the metric set of
// deploy/grafana/README.md.
type seriesDef struct {
	metric, labels string
	counter        bool    // a *_total counter: grows by scale per second
	scale          float64 // a gauge swings around scale/2
}

var metricSet = []seriesDef{
	{"cpu_usage_ratio", `{"cpu": "all"}`, false, 1},
	{"cpu_usage_ratio", `{"cpu": "0"}`, false, 1},
	{"load1", `{}`, false, 4},
	{"load5", `{}`, false, 4},
	{"load15", `{}`, false, 4},
	{"memory_total_bytes", `{}`, false, 16e9},
	{"memory_used_bytes", `{}`, false, 8e9},
	{"memory_available_bytes", `{}`, false, 8e9},
	{"filesystem_used_ratio", `{"mountpoint": "/"}`, false, 1},
	{"filesystem_used_ratio", `{"mountpoint": "/var"}`, false, 1},
	{"filesystem_size_bytes", `{"mountpoint": "/"}`, false, 100e9},
	{"disk_read_bytes_total", `{"device": "sda"}`, true, 2e6},
	{"disk_written_bytes_total", `{"device": "sda"}`, true, 5e6},
	{"network_receive_bytes_total", `{"interface": "eth0"}`, true, 1e6},
	{"network_transmit_bytes_total", `{"interface": "eth0"}`, true, 3e5},
	{"network_receive_bytes_total", `{"interface": "lo"}`, true, 1e4},
}

const (
	seedTenantsSQL = `INSERT INTO tenants (id, name, slug) VALUES ($1, 'Acme Corp', 'acme'), ($2, 'Globex', 'globex')`
	seedAgentsSQL  = `INSERT INTO agents (id, tenant_id, machine_id, hostname, os, arch, agent_version,
  heartbeat_interval_s, last_seen_at, uptime_s, deleted_at) VALUES
  ($3, $1, 'm-web', 'web-1', 'linux', 'amd64', '0.1.0', 30, now(), 86400, NULL),
  ($4, $1, 'm-db', 'db-1', 'linux', 'arm64', '0.1.0', 30, now() - interval '1 hour', 3600, NULL),
  ($5, $2, 'm-new', 'new-1', 'linux', 'amd64', '0.1.0', 30, NULL, NULL, NULL),
  ($6, $1, 'm-gone', 'gone-1', 'linux', 'amd64', '0.1.0', 30, now(), NULL, now())`
	// db-1 has a critical alert firing, web-1 a warning resolved yesterday.
	seedAlertsSQL = `INSERT INTO alerts (id, tenant_id, agent_id, source, key, severity, summary, state,
  started_at, last_seen_at, resolved_at) VALUES
  ('00000000-0000-7000-8000-0000000000a1', $1, $3, 'agent', 'disk_full:/', 'critical', '/ is 97% full', 'firing',
   now() - interval '2 hours', now(), NULL),
  ('00000000-0000-7000-8000-0000000000a2', $1, $2, 'rule', 'cpu_high', 'warning', 'CPU above 90% for 5m', 'resolved',
   now() - interval '26 hours', now() - interval '25 hours', now() - interval '25 hours')`
)

// seedSeriesSQL makes one series per agent and definition; samples every
// minute from $3 to $4: gauges swing around scale/2, counters grow by
// scale per second and web-1's restart from zero a day before the end.
const seedSeriesSQL = `
WITH s AS (
  INSERT INTO series (tenant_id, agent_id, metric, labels, labels_hash)
  SELECT a.tenant_id, a.id, $1, $2::text::jsonb, substring(sha256(convert_to(a.id::text || $1 || $2::text, 'UTF8')) for 16)
  FROM agents a WHERE a.id = ANY ($7::uuid[])
  RETURNING id, agent_id
)
INSERT INTO samples (time, series_id, value)
SELECT ts, s.id, CASE WHEN $5 THEN
         $6 * extract(epoch FROM ts - CASE WHEN s.agent_id = $8 AND ts >= $4::timestamptz - interval '1 day'
                                           THEN $4::timestamptz - interval '1 day' ELSE $3 END)
       ELSE $6 * (0.5 + 0.4 * sin(extract(epoch FROM ts) / 5400 + s.id)) END
FROM s, generate_series($3::timestamptz, $4::timestamptz, interval '1 minute') AS ts`

// newFleet makes the fleet; with samples, three days of every series in
// metricSet for web-1 and db-1, and their rollups.
func newFleet(t *testing.T, samples bool) *fleet {
	t.Helper()
	ctx := context.Background()
	url := db.NewDatabase(t)
	admin, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	f := &fleet{admin: admin, grafana: grafanaPool(t, url)}
	f.now = time.Now().UTC().Truncate(time.Minute)
	f.from = f.now.Add(-72 * time.Hour)
	if _, err := tsdb.EnsurePartitions(ctx, admin, db.Dialect(), f.from, f.now); err != nil {
		t.Fatal(err)
	}
	batch := &pgx.Batch{}
	batch.Queue(seedTenantsSQL, tenantAcme, tenantGlobex)
	batch.Queue(seedAgentsSQL, tenantAcme, tenantGlobex, agentWeb, agentDB, agentNew, agentGone)
	batch.Queue(seedAlertsSQL, tenantAcme, agentWeb, agentDB)
	if err := admin.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatalf("seed fleet: %v", err)
	}
	for _, s := range metricSet {
		if !samples {
			break
		}
		if _, err := admin.Exec(ctx, seedSeriesSQL, s.metric, s.labels, f.from, f.now, s.counter, s.scale,
			[]string{agentWeb, agentDB}, agentWeb); err != nil {
			t.Fatalf("seed %s%s: %v", s.metric, s.labels, err)
		}
	}
	if samples {
		f.rollUp(t)
	}
	if _, err := admin.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	return f
}

// grafanaPool connects as the database owner and becomes monsys_grafana,
// in a time zone far from UTC so that no answer may depend on it.
func grafanaPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "Asia/Kathmandu"
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `SET ROLE monsys_grafana`)
		return err
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// rollUp rolls the samples up as the hub would, leaving a tail of recent
// minutes that only raw samples hold: TimescaleDB refreshes its continuous
// aggregates to two minutes before the end, plain PostgreSQL runs the
// rollup worker (its watermark trails by a minute).
func (f *fleet) rollUp(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect() == tsdb.Postgres {
		r := tsdb.NewRollup(f.admin, db.Dialect(), tsdb.RollupConfig{Start: 4 * 24 * time.Hour})
		if _, err := r.Run(ctx, f.now); err != nil {
			t.Fatalf("roll up: %v", err)
		}
		return
	}
	// The refresh policies would move the watermarks while tests read,
	// and a read racing a refresh may miss the bucket at the boundary.
	if _, err := f.admin.Exec(ctx, pausePoliciesSQL); err != nil {
		t.Fatalf("pause refresh policies: %v", err)
	}
	for _, call := range []string{refresh1mSQL, refresh1hSQL} {
		if _, err := f.admin.Exec(ctx, call, f.now.Add(-2*time.Minute)); err != nil {
			t.Fatalf("refresh: %v\n%s", err, call)
		}
	}
}

const (
	pausePoliciesSQL = `SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs
WHERE proc_name = 'policy_refresh_continuous_aggregate'`
	refresh1mSQL = `CALL refresh_continuous_aggregate('samples_1m', NULL::timestamptz, $1::timestamptz)`
	refresh1hSQL = `CALL refresh_continuous_aggregate('samples_1h', NULL::timestamptz, $1::timestamptz)`
)
