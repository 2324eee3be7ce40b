package query

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// BenchmarkDashboardQueries loads agents × series × days of samples at
// 60 s spacing straight into storage (series rows by SQL, samples by
// binary COPY over 2 connections), lets the rollups catch up, then times
// the dashboard's queries through the Service (the code path of the HTTP
// handlers) with p50/p95 over many repetitions, and the same answers read
// from raw samples (tierSource forces the tier; the plan is unchanged).
//
// Of each agent's series, the first 4 are cpu_usage_ratio{cpu="0".."3"},
// the rest bench_metric_k. Ranges end at the load's newest minute.
//
//	go test -run '^$' -bench DashboardQueries -benchtime 1x -timeout 60m ./query/
//
// MONSYS_BENCH_AGENTS, MONSYS_BENCH_SERIES, MONSYS_BENCH_DAYS (defaults
// 100, 20, 30: 86.4 M samples) and MONSYS_BENCH_REPS (default 50) size it.
// The queries run twice: through a pool configured as the hub's read pool
// (tsdb.ConfigureReadPool: generic plans) and through a default one.
// MONSYS_BENCH_DATABASE_URL keeps the loaded data in a database of one's
// own for later runs (dashboard_dataset_test.go).
func BenchmarkDashboardQueries(b *testing.B) {
	nAgents := benchEnv(b, "MONSYS_BENCH_AGENTS", 100)
	nSeries := benchEnv(b, "MONSYS_BENCH_SERIES", 20)
	nDays := benchEnv(b, "MONSYS_BENCH_DAYS", 30)
	reps := benchEnv(b, "MONSYS_BENCH_REPS", 50)
	ctx := context.Background()
	for range b.N {
		f := benchDataset(b, ctx, nAgents, nSeries, nDays)
		pool, tenant, agents, now := f.pool, f.tenant, f.agents, f.now
		rows, loaded, vacuumed, caughtUp := f.rows, f.loaded, f.vacuumed, f.caughtUp

		ret := tsdb.Retention{Raw: 7 * day, OneMinute: 180 * day, OneHour: 730 * day}
		// The same queries through the hub's read pool (generic plans,
		// tsdb.ConfigureReadPool) and through a default pool, in one run.
		for _, plans := range []struct {
			name, tag string
			pool      *pgxpool.Pool
		}{{"read pool (generic plans)", "", benchReadPool(b, pool)}, {"default pool (custom plans)", "custom-", pool}} {
			reader := tsdb.NewReader(plans.pool, f.dialect)
			svc := New(reader, Config{Retention: ret})
			raw := New(tierSource{reader, tsdb.TierRaw}, Config{Retention: ret})
			// The load keeps raw samples for its whole range, so the 30-day
			// answer can also be computed from raw samples (the issue's
			// "range where raw exists").
			rawAll := New(tierSource{reader, tsdb.TierRaw}, Config{Retention: tsdb.Retention{Raw: time.Duration(nDays+1) * day, OneMinute: ret.OneMinute, OneHour: ret.OneHour}})

			rangeQ := func(s *Service, span, step time.Duration) func(int) (any, error) {
				return func(i int) (any, error) {
					res, err := s.Range(ctx, tenant, agents[i%len(agents)], RangeRequest{From: now.Add(-span), To: now, Step: step, Agg: tsdb.AggAvg})
					if err != nil {
						return nil, err
					}
					return res.Series, nil
				}
			}
			topQ := func(s *Service) func(int) (any, error) {
				return func(int) (any, error) {
					res, err := s.Top(ctx, tenant, TopRequest{Metric: "cpu_usage_ratio", Agg: tsdb.AggAvg, From: now.Add(-24 * time.Hour), To: now, Limit: 10})
					if err != nil {
						return nil, err
					}
					return res.Items, nil
				}
			}
			type row struct {
				name     string
				src      string
				q        func(int) (any, error)
				p50, p95 time.Duration
				answer   any
			}
			table := []*row{
				{name: "one agent, 30 d at 1h", src: "rollup", q: rangeQ(svc, 30*day, time.Hour)},
				{name: "one agent, 30 d at 1h", src: "raw", q: rangeQ(rawAll, 30*day, time.Hour)},
				{name: "one agent, 24 h at 1m", src: "rollup", q: rangeQ(svc, 24*time.Hour, time.Minute)},
				{name: "one agent, 24 h at 1m", src: "raw", q: rangeQ(raw, 24*time.Hour, time.Minute)},
				{name: "one agent, 7 d at 1h", src: "rollup", q: rangeQ(svc, 7*day, time.Hour)},
				{name: "one agent, 7 d at 1h", src: "raw", q: rangeQ(raw, 7*day, time.Hour)},
				{name: "top-10 agents by cpu_usage_ratio, 24 h", src: "rollup", q: topQ(svc)},
				{name: "top-10 agents by cpu_usage_ratio, 24 h", src: "raw", q: topQ(raw)},
			}
			for _, r := range table {
				if _, err := r.q(0); err != nil { // warm up: plans, connections
					b.Fatalf("%s (%s): %v", r.name, r.src, err)
				}
				d := make([]time.Duration, reps)
				for i := range d {
					t0 := time.Now()
					ans, err := r.q(i)
					d[i] = time.Since(t0)
					if err != nil {
						b.Fatalf("%s (%s): %v", r.name, r.src, err)
					}
					if i == 0 {
						r.answer = ans
					}
				}
				slices.Sort(d)
				r.p50, r.p95 = percentile(d, 50), percentile(d, 95)
			}
			// Every rollup answer must equal the raw one (values are
			// multiples of 1/64, so sums are exact in either order).
			for i, r := range table {
				if r.src == "raw" && !reflect.DeepEqual(r.answer, table[i-1].answer) {
					b.Fatalf("%s: the rollup answer differs from the raw one", r.name)
				}
				if v := reflect.ValueOf(r.answer); v.Len() == 0 {
					b.Fatalf("%s (%s): empty answer", r.name, r.src)
				}
			}

			var sb strings.Builder
			fmt.Fprintf(&sb, "\n%d agents × %d series × %d days at 60 s = %d samples; load %s (+ VACUUM ANALYZE %s); rollup catch-up %s; %d repetitions each; %s\n\n",
				nAgents, nSeries, nDays, rows, loaded.Round(time.Second), vacuumed.Round(time.Second), caughtUp.Round(time.Second), reps, plans.name)
			sb.WriteString("| query | source | p50 ms | p95 ms | raw/rollup p50 | raw/rollup p95 |\n|---|---|---|---|---|---|\n")
			for i, r := range table {
				ratio50, ratio95 := "", ""
				if r.src == "raw" {
					roll := table[i-1]
					x50, x95 := float64(r.p50)/float64(roll.p50), float64(r.p95)/float64(roll.p95)
					ratio50, ratio95 = fmt.Sprintf("%.1f×", x50), fmt.Sprintf("%.1f×", x95)
					b.ReportMetric(x50, plans.tag+metricName(r.name)+"-speedup-p50")
					b.ReportMetric(x95, plans.tag+metricName(r.name)+"-speedup-p95")
				}
				fmt.Fprintf(&sb, "| %s | %s | %.1f | %.1f | %s | %s |\n", r.name, r.src, ms(r.p50), ms(r.p95), ratio50, ratio95)
				b.ReportMetric(ms(r.p50), plans.tag+metricName(r.name)+"-"+r.src+"-p50-ms")
				b.ReportMetric(ms(r.p95), plans.tag+metricName(r.name)+"-"+r.src+"-p95-ms")
			}
			b.Log(sb.String())
		}
		b.ReportMetric(loaded.Seconds(), "load-s")
		b.ReportMetric(caughtUp.Seconds(), "catchup-s")
	}
}

// benchReadPool is the pool the hub's metric reads use, opened on pool's
// database.
func benchReadPool(b *testing.B, pool *pgxpool.Pool) *pgxpool.Pool {
	cfg := pool.Config().Copy()
	tsdb.ConfigureReadPool(cfg)
	rp, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(rp.Close)
	return rp
}

func benchEnv(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive whole number", name, s)
	}
	return n
}

func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100 // nearest rank
	return sorted[max(i, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func metricName(s string) string {
	s = strings.NewReplacer("one agent, ", "", "top-10 agents by cpu_usage_ratio, ", "top10-", " at ", "@", " ", "").Replace(s)
	return s
}
