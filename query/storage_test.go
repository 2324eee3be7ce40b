package query

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// tierSource reads every query from one tier, whatever the plan says.
type tierSource struct {
	*tsdb.Reader
	tier tsdb.Tier
}

func (s tierSource) Buckets(ctx context.Context, q tsdb.BucketQuery, dst *tsdb.Points) error {
	q.Tier = s.tier
	return s.Reader.Buckets(ctx, q, dst)
}

func (s tierSource) Totals(ctx context.Context, q tsdb.BucketQuery) ([]tsdb.SeriesValue, error) {
	q.Tier = s.tier
	return s.Reader.Totals(ctx, q)
}

// TestAnswersAreTheSameFromEveryTier runs whole queries (matchers, every
// agg, rates of a counter with a reset, top) through the service over
// real storage, once per tier, and requires identical answers: what the
// planner picks for speed never changes what a dashboard shows.
func TestAnswersAreTheSameFromEveryTier(t *testing.T) {
	pool := db.New(t)
	ctx := context.Background()
	tenant, agents := storageFixture(t, pool, 3)
	now := time.Now().UTC()
	if _, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), now.AddDate(0, 0, -1), now.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	times := make([]time.Time, 5*360) // five hours at 10 s
	for i := range times {
		times[i] = now.Add(-time.Duration(len(times)-i) * 10 * time.Second)
	}
	for a, agent := range agents {
		for cpu := range 2 {
			writeStorageSeries(t, pool, tenant, agent, "cpu_usage_ratio", map[string]string{"cpu": fmt.Sprint(cpu)}, times,
				func(i int) float64 { return float64((i*7+a*3+cpu)%17) / 16 })
		}
		writeStorageSeries(t, pool, tenant, agent, "net_rx_bytes_total", map[string]string{"dev": "eth0"}, times,
			func(i int) float64 { return float64((i % 700) * (1000 + a)) }) // resets every 700 samples
	}
	rollUpStorage(t, pool, now)

	from, to := now.Add(-4*time.Hour), now
	hourFrom, hourTo := tsdb.FloorTime(from, time.Hour), tsdb.FloorTime(to, time.Hour)
	var want []any
	for _, tier := range []tsdb.Tier{tsdb.TierRaw, tsdb.Tier1m, tsdb.Tier1h} {
		s := New(tierSource{tsdb.NewReader(pool, db.Dialect()), tier}, Config{})
		var got []any
		for _, agg := range tsdb.AllAggs() {
			ms, _ := ParseSelector(`cpu_usage_ratio{cpu=~"0|1"}`)
			for _, step := range []time.Duration{time.Hour, 2 * time.Hour} {
				res, err := s.Range(ctx, tenant, agents[0], RangeRequest{From: from, To: to, Step: step, Matchers: ms, Agg: agg})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, res.Series)
			}
			top, err := s.Top(ctx, tenant, TopRequest{Metric: "cpu_usage_ratio", Agg: agg, From: hourFrom, To: hourTo, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, top.Items)
		}
		rate, err := s.Range(ctx, tenant, agents[1], RangeRequest{From: from, To: to, Step: time.Hour, Metrics: []string{"net_rx_bytes_total"}, Rate: true, Agg: tsdb.AggLast})
		if err != nil {
			t.Fatal(err)
		}
		if len(rate.Series) != 1 || len(rate.Series[0].Points) < 3 {
			t.Fatalf("%v: rate answer %+v, want one series of 3 or 4 hourly rates", tier, rate.Series)
		}
		got = append(got, rate.Series)
		if want == nil {
			want = got
			continue
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("answer %d from the %v tier:\n%+v\nfrom raw samples:\n%+v", i, tier, got[i], want[i])
			}
		}
	}
}

func storageFixture(t *testing.T, pool *pgxpool.Pool, n int) (uuid.UUID, []uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	tenant := uuid.Must(uuid.NewV7())
	if _, err := pool.Exec(ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, 't', 't')`, tenant); err != nil {
		t.Fatal(err)
	}
	agents := make([]uuid.UUID, n)
	for i := range agents {
		agents[i] = uuid.Must(uuid.NewV7())
		if _, err := pool.Exec(ctx, `INSERT INTO agents (id, tenant_id, machine_id, hostname) VALUES ($1, $2, $3, $3)`,
			agents[i], tenant, fmt.Sprintf("host-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	return tenant, agents
}

func writeStorageSeries(t *testing.T, pool *pgxpool.Pool, tenant, agent uuid.UUID, metric string, labels map[string]string, times []time.Time, value func(int) float64) {
	t.Helper()
	ctx := context.Background()
	lj, _ := json.Marshal(labels) // a map of strings always encodes
	h := sha256.Sum256(append([]byte(metric+"\x00"), lj...))
	ids, err := tsdb.ResolveSeries(ctx, pool, []tsdb.NewSeries{{TenantID: tenant, AgentID: &agent, Metric: metric, Labels: lj, LabelsHash: h[:16]}})
	if err != nil {
		t.Fatal(err)
	}
	rows := &tsdb.SampleRows{}
	for i, tm := range times {
		rows.TimesMs, rows.SeriesIDs, rows.Values = append(rows.TimesMs, tm.UnixMilli()), append(rows.SeriesIDs, ids[0]), append(rows.Values, value(i))
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := tsdb.CopySamples(ctx, conn.Conn().PgConn(), rows, nil); err != nil {
		t.Fatal(err)
	}
}

// refresh runs a refresh of a continuous aggregate, again while
// TimescaleDB's own policy job is refreshing it (SQLSTATE 55P03).
func refresh(ctx context.Context, pool *pgxpool.Pool, stmt string, args ...any) error {
	for try := 0; ; try++ {
		_, err := pool.Exec(ctx, stmt, args...)
		var pgErr *pgconn.PgError
		if err == nil || try == 100 || !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rollUpStorage rolls up what is complete at now: the worker on plain
// PostgreSQL, refreshes of the continuous aggregates on TimescaleDB.
func rollUpStorage(t *testing.T, pool *pgxpool.Pool, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect() == tsdb.TimescaleDB {
		for _, view := range []string{"samples_1m", "samples_1h"} {
			if err := refresh(ctx, pool, `CALL refresh_continuous_aggregate($1::regclass, NULL, $2::timestamptz)`, view, now.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	if _, err := tsdb.NewRollup(pool, tsdb.Postgres, tsdb.RollupConfig{Start: 2 * day}).Run(ctx, now); err != nil {
		t.Fatal(err)
	}
}
