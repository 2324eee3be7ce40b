package bench

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/monsys/monsys/bench/load"
	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/tsdb"
)

// QueryScenario is `monsys-bench query`: Agents × Series × Days at 60 s
// loaded straight into storage, rollups caught up, then each dashboard
// query Reps times from the rollups and from raw samples.
type QueryScenario struct {
	Database string // a server URL, or empty for a private cluster under Dir
	Dir      string
	Agents   int
	Series   int
	Days     int
	Reps     int
	Progress *Progress
	Log      *slog.Logger
}

// QueryTiming is one query's latency from one source.
type QueryTiming struct {
	Query  string  `json:"query"`
	Source string  `json:"source"` // rollup or raw
	P50    float64 `json:"p50_ms"`
	P95    float64 `json:"p95_ms"`
	// RawOverRollup is raw p50 / rollup p50, on the raw row.
	RawOverRollup float64 `json:"raw_over_rollup_p50,omitempty"`
}

// QueryReport is what the query scenario measured.
type QueryReport struct {
	Agents, Series, Days int
	Samples              int64         `json:"samples"`
	Dialect              string        `json:"dialect"`
	LoadSeconds          float64       `json:"load_seconds"`
	CatchUpSeconds       float64       `json:"rollup_catch_up_seconds"`
	Reps                 int           `json:"repetitions"`
	Timings              []QueryTiming `json:"timings"`
}

const day = 24 * time.Hour

// Run loads, catches up and times; a cluster it started is stopped.
func (s *QueryScenario) Run(ctx context.Context) (rep QueryReport, err error) {
	db, err := OpenStorage(ctx, s.Database, s.Dir, s.Log)
	if err != nil {
		return rep, err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	rep = QueryReport{Agents: s.Agents, Series: s.Series, Days: s.Days, Dialect: string(db.Dialect), Reps: s.Reps}
	now := time.Now().UTC().Truncate(time.Minute)
	start := now.AddDate(0, 0, -s.Days)
	fleet, err := load.Fixture(ctx, db.Pool, s.Agents, s.Series)
	if err != nil {
		return rep, err
	}
	t0 := time.Now()
	if _, err := tsdb.EnsurePartitions(ctx, db.Pool, db.Dialect, start, now.Add(day)); err != nil {
		return rep, err
	}
	var done atomic.Int64
	total := int64(fleet.SeriesCount()) * int64(now.Sub(start)/time.Minute)
	stop := s.Progress.Start("load (binary COPY)", "samples", total, 0, &done)
	rep.Samples, err = load.LoadSamples(ctx, db.Pool, fleet.FirstID, fleet.SeriesCount(), start, now, 2)
	done.Store(rep.Samples)
	stop()
	if err != nil {
		return rep, err
	}
	if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE samples`); err != nil {
		return rep, fmt.Errorf("vacuum samples: %w", err)
	}
	rep.LoadSeconds = time.Since(t0).Seconds()
	s.Log.Info("loaded", "samples", rep.Samples, "seconds", rep.LoadSeconds)
	cu, err := load.CatchUp(ctx, db.Pool, db.Dialect, now, s.Days)
	if err != nil {
		return rep, err
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE samples_1m; ANALYZE samples_1h`); err != nil {
		return rep, fmt.Errorf("analyze rollups: %w", err)
	}
	rep.CatchUpSeconds = cu.Took.Seconds()
	s.Log.Info("rollups caught up", "seconds", rep.CatchUpSeconds, "detail", cu.Detail)
	rep.Timings, err = s.time(ctx, db, fleet, now)
	return rep, err
}

// dashboardQuery is one query of the table and the answer it gave.
type dashboardQuery struct {
	name, src string
	run       func(i int) (any, error)
}

func (s *QueryScenario) time(ctx context.Context, db *StorageDB, fleet load.Fleet, now time.Time) ([]QueryTiming, error) {
	ret := tsdb.Retention{Raw: time.Duration(s.Days+1) * day, OneMinute: 180 * day, OneHour: 730 * day}
	reader := tsdb.NewReader(db.Pool, db.Dialect)
	roll := query.New(reader, query.Config{Retention: ret})
	raw := query.New(tierSource{reader, tsdb.TierRaw}, query.Config{Retention: ret})
	rangeQ := func(svc *query.Service, span, step time.Duration) func(int) (any, error) {
		return func(i int) (any, error) {
			res, err := svc.Range(ctx, fleet.Tenant, fleet.Agents[i%len(fleet.Agents)],
				query.RangeRequest{From: now.Add(-span), To: now, Step: step, Agg: tsdb.AggAvg})
			return res.Series, err
		}
	}
	topQ := func(svc *query.Service) func(int) (any, error) {
		return func(int) (any, error) {
			res, err := svc.Top(ctx, fleet.Tenant, query.TopRequest{Metric: "cpu_usage_ratio", Agg: tsdb.AggAvg,
				From: now.Add(-day), To: now, Limit: 10})
			return res.Items, err
		}
	}
	span30 := min(30, s.Days+1)
	table := []dashboardQuery{
		{fmt.Sprintf("one agent, %d d at 1h", span30), "rollup", rangeQ(roll, time.Duration(span30)*day, time.Hour)},
		{"one agent, 24 h at 1m", "rollup", rangeQ(roll, day, time.Minute)},
		{"one agent, 24 h at 1m", "raw", rangeQ(raw, day, time.Minute)},
		{"one agent, 7 d at 1h", "rollup", rangeQ(roll, 7*day, time.Hour)},
		{"one agent, 7 d at 1h", "raw", rangeQ(raw, 7*day, time.Hour)},
		{"top-10 agents by cpu_usage_ratio, 24 h", "rollup", topQ(roll)},
		{"top-10 agents by cpu_usage_ratio, 24 h", "raw", topQ(raw)},
	}
	var out []QueryTiming
	var answers []any
	var reps atomic.Int64
	stop := s.Progress.Start("queries", "queries", int64(len(table)*s.Reps), 0, &reps)
	defer stop()
	for _, q := range table {
		if _, err := q.run(0); err != nil { // warm up: plans, connections
			return nil, fmt.Errorf("%s (%s): %w", q.name, q.src, err)
		}
		d := make([]time.Duration, s.Reps)
		var first any
		for i := range d {
			t0 := time.Now()
			ans, err := q.run(i)
			d[i] = time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("%s (%s): %w", q.name, q.src, err)
			}
			if i == 0 {
				first = ans
			}
			reps.Add(1)
		}
		l := Summarize(d)
		t := QueryTiming{Query: q.name, Source: q.src, P50: l.P50, P95: l.P95}
		if q.src == "raw" {
			prev := out[len(out)-1]
			if !reflect.DeepEqual(first, answers[len(answers)-1]) {
				return nil, fmt.Errorf("%s: the rollup answer differs from the raw one", q.name)
			}
			if prev.P50 > 0 {
				t.RawOverRollup = t.P50 / prev.P50
			}
		}
		if reflect.ValueOf(first).Len() == 0 {
			return nil, fmt.Errorf("%s (%s): empty answer", q.name, q.src)
		}
		out, answers = append(out, t), append(answers, first)
	}
	return out, nil
}

// tierSource reads every query from one tier, whatever the plan says: the
// same request answered from raw samples.
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
