package api

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/google/uuid"
	"github.com/prometheus/prometheus/prompb"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/wire"
)

// lateSeries is one series of the late-data property test.
type lateSeries struct {
	agent  int
	metric string
	labels map[string]string
}

// lateSample is one of its samples.
type lateSample struct {
	series int // index into the test's series
	ms     int64
	v      float64
}

// TestLateBatchesReachEveryTier is the late-data property through the
// real pipeline: random series of several agents, their samples sent in
// batches that arrive in random order, up to the raw retention (7 days)
// late, signed through /ingest and as remote-write, with the rollup worker
// running among them as the hub's does (and, on TimescaleDB, the refresh
// policies, run by hand: this machine's scheduler does not run them). After
// the worker's last run, every raw, 1m and 1h answer of
// GET /agents/:id/metrics, for every agg, equals the one computed here from
// the input; a series of ones holds each tier's counts to the input's
// (its sum is the count). Before that run, the 1m answers say where they
// are still pending.
func TestLateBatchesReachEveryTier(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("late")
	viewer := e.session(fx, auth.RoleViewer)
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>7))

	agents := []pinnedAgent{e.pinnedAgent(fx.Tenant.ID, "a-0"), e.pinnedAgent(fx.Tenant.ID, "a-1"), e.pinnedAgent(fx.Tenant.ID, "a-2")}
	var series []lateSeries
	for a := range agents {
		series = append(series, lateSeries{a, "load1", map[string]string{"core": "0"}},
			lateSeries{a, "load1", map[string]string{"core": "1"}}, lateSeries{a, "up", map[string]string{}})
	}
	now := time.Now().UTC()
	oldest, newest := now.Add(-7*24*time.Hour+time.Hour), now.Add(-3*time.Minute)
	data := lateData(rng, series, oldest, newest)

	// The anchor: every series a sample 150 minutes and 100 seconds ago,
	// rolled up before anything else arrives, so everything after it is
	// behind the rollups.
	var anchor []lateSample
	for i := range series {
		for _, ago := range []time.Duration{150 * time.Minute, 100 * time.Second} {
			anchor = append(anchor, lateSample{i, now.Add(-ago).UnixMilli() + int64(i), sampleValue(rng, series[i])})
		}
	}
	for a := range agents {
		e.sendLate(agents[a], series, pick(anchor, series, a), false)
	}
	work := e.lateWorker(t)
	work()

	// Batches of consecutive samples of one agent, 1 to 12 samples of
	// any of its series, sent in random order; each agent's first 45
	// through /ingest (60 a minute are allowed), the rest as remote-write.
	var batches [][]lateSample
	for a := range agents {
		own := pick(data, series, a)
		for len(own) > 0 {
			n := min(len(own), 1+rng.IntN(12))
			batches, own = append(batches, own[:n]), own[n:]
		}
	}
	rng.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })
	// The last batch is agents[0]'s and no run of the worker follows it,
	// so its 1m answer below has a range still pending, whatever the seed.
	for i, b := range batches {
		if series[b[0].series].agent == 0 {
			last := len(batches) - 1
			batches[i], batches[last] = batches[last], batches[i]
			break
		}
	}
	sentByIngest := make([]int, len(agents))
	for i, b := range batches {
		a := series[b[0].series].agent
		e.sendLate(agents[a], series, b, sentByIngest[a] >= 45)
		sentByIngest[a]++
		if i%40 == 39 && i < len(batches)-1 {
			work()
		}
	}
	data = append(data, anchor...)

	// Before the last run the 1m tier says where it still lacks samples.
	var before metricsAnswer
	e.do("GET", lateQuery(agents[0].ID, oldest, now, "1m", tsdb.AggSum), viewer, nil).want(t, http.StatusOK, &before)
	if before.PendingFrom == nil || before.PendingUntil == nil || !before.PendingUntil.After(*before.PendingFrom) {
		t.Errorf("before the worker's last run the 1m answer names no pending range (from %v until %v)", before.PendingFrom, before.PendingUntil)
	}
	work()

	for a := range agents {
		for _, c := range []struct {
			interval string
			step     time.Duration
			from, to time.Time
		}{
			{"1m", time.Minute, oldest, now}, {"5m", 5 * time.Minute, oldest, now},
			{"1h", time.Hour, oldest, now}, {"6h", 6 * time.Hour, oldest, now}, {"1d", 24 * time.Hour, oldest, now},
			{"30s", 30 * time.Second, now.Add(-36 * time.Hour), now}, {"10s", 10 * time.Second, now.Add(-150 * time.Minute), now},
		} {
			for _, agg := range tsdb.AllAggs() {
				var got metricsAnswer
				e.do("GET", lateQuery(agents[a].ID, c.from, c.to, c.interval, agg), viewer, nil).want(t, http.StatusOK, &got)
				name := fmt.Sprintf("agent %d, %s, %s (%s)", a, c.interval, agg, got.Source)
				if got.PendingFrom != nil {
					t.Errorf("%s: still pending from %v after the worker ran", name, got.PendingFrom)
				}
				holdLateAnswer(t, name, got, series, pick(data, series, a), c.step, agg)
			}
		}
	}
	var left int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM rollup_invalidations`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d invalidations left after the worker ran (%v)", left, err)
	}
}

// lateData makes each series' samples over [from, to): 150 at random
// times and a burst of 120 a few seconds apart in one random hour, at
// unique milliseconds; values are multiples of 1/8, so every sum is
// exact, and 1 for the series named up, so its sums are counts.
func lateData(rng *rand.Rand, series []lateSeries, from, to time.Time) []lateSample {
	var out []lateSample
	span := to.Sub(from).Milliseconds()
	for i, s := range series {
		seen := map[int64]bool{}
		add := func(ms int64) {
			if !seen[ms] {
				seen[ms] = true
				out = append(out, lateSample{i, ms, sampleValue(rng, s)})
			}
		}
		for range 150 {
			add(from.UnixMilli() + rng.Int64N(span))
		}
		burst := from.UnixMilli() + rng.Int64N(span-3_600_000)
		for k := range 120 {
			add(burst + int64(k)*(20_000+rng.Int64N(10_000)))
		}
	}
	return out
}

func sampleValue(rng *rand.Rand, s lateSeries) float64 {
	if s.metric == "up" {
		return 1
	}
	return float64(rng.IntN(16000)-8000) / 8
}

// pick is the samples of agent a's series, in time order.
func pick(in []lateSample, series []lateSeries, a int) []lateSample {
	var out []lateSample
	for _, s := range in {
		if series[s.series].agent == a {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y lateSample) int { return cmp.Compare(x.ms, y.ms) })
	return out
}

// sendLate sends samples as one signed /ingest batch of agent a, or as one
// remote-write request with its token.
func (e *env) sendLate(a pinnedAgent, series []lateSeries, samples []lateSample, remoteWrite bool) {
	e.t.Helper()
	if remoteWrite {
		var wr prompb.WriteRequest
		for _, s := range samples {
			sr := series[s.series]
			ls := []prompb.Label{{Name: "__name__", Value: sr.metric}}
			for k, v := range sr.labels {
				ls = append(ls, prompb.Label{Name: k, Value: v})
			}
			wr.Timeseries = append(wr.Timeseries, prompb.TimeSeries{Labels: ls, Samples: []prompb.Sample{{Value: s.v, Timestamp: s.ms}}})
		}
		raw, err := wr.Marshal()
		if err != nil {
			e.t.Fatal(err)
		}
		r := e.do("POST", "/api/v1/write", a.cred(), snappy.Encode(nil, raw), "Content-Encoding", "snappy",
			"Content-Type", "application/x-protobuf", "X-Prometheus-Remote-Write-Version", "0.1.0")
		if r.Status != http.StatusNoContent {
			e.t.Fatalf("remote-write: %d %s", r.Status, r.Body)
		}
		return
	}
	b := &wire.Batch{BatchID: uuid.NewString()}
	for _, s := range samples {
		sr := series[s.series]
		b.Metrics = append(b.Metrics, wire.Metric{Name: sr.metric, Labels: sr.labels, Samples: []wire.Sample{{TimeMs: s.ms, Value: s.v}}})
	}
	if r := e.ingest(a, zstdBody(e.t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now()); r.Status != http.StatusOK {
		e.t.Fatalf("ingest: %d %s", r.Status, r.Body)
	}
}

// lateWorker returns one run of what keeps the rollups: the rollup worker,
// and on TimescaleDB first the refresh policies.
func (e *env) lateWorker(t *testing.T) func() {
	ctx := context.Background()
	roll := tsdb.NewRollup(e.pool, testDB.Dialect(), tsdb.RollupConfig{Start: 7 * 24 * time.Hour})
	return func() {
		t.Helper()
		if testDB.Dialect() == tsdb.TimescaleDB {
			rows, err := e.pool.Query(ctx, `SELECT job_id FROM timescaledb_information.jobs
				WHERE proc_name = 'policy_refresh_continuous_aggregate' ORDER BY job_id`)
			if err != nil {
				t.Fatal(err)
			}
			var jobs []int32
			for rows.Next() {
				var id int32
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				jobs = append(jobs, id)
			}
			if rows.Close(); rows.Err() != nil || len(jobs) != 2 {
				t.Fatalf("refresh policies %v (%v); want two", jobs, rows.Err())
			}
			for _, id := range jobs {
				if _, err := e.pool.Exec(ctx, `CALL run_job($1)`, id); err != nil {
					t.Fatalf("run refresh policy %d: %v", id, err)
				}
			}
		}
		res, err := roll.Run(ctx, time.Now())
		if err != nil || res.LatePending {
			t.Fatalf("rollup worker: %+v, %v", res, err)
		}
	}
}

// lateQuery is GET /agents/:id/metrics of every series of the test.
func lateQuery(agent uuid.UUID, from, to time.Time, interval string, agg tsdb.Agg) string {
	q := url.Values{"metric": {"load1", "up"}, "from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)},
		"interval": {interval}, "agg": {string(agg)}}
	return "/api/v1/agents/" + agent.String() + "/metrics?" + q.Encode()
}

// holdLateAnswer compares an answer with the one computed from data (the
// agent's samples) over the answer's aligned range.
func holdLateAnswer(t *testing.T, name string, got metricsAnswer, series []lateSeries, data []lateSample, step time.Duration, agg tsdb.Agg) {
	t.Helper()
	type acc struct {
		n                 int
		sum, lo, hi, last float64
		lastMs            int64
	}
	want := map[string]map[int64]*acc{} // series key → bucket → aggregate
	key := func(metric string, labels map[string]string) string { return metric + fmt.Sprint(labels) }
	for _, s := range data {
		if s.ms < got.From.UnixMilli() || s.ms >= got.To.UnixMilli() {
			continue
		}
		k, b := key(series[s.series].metric, series[s.series].labels), s.ms-s.ms%step.Milliseconds()
		if want[k] == nil {
			want[k] = map[int64]*acc{}
		}
		a := want[k][b]
		if a == nil {
			a = &acc{lo: s.v, hi: s.v, lastMs: s.ms, last: s.v}
			want[k][b] = a
		}
		a.n++
		a.sum += s.v
		a.lo, a.hi = min(a.lo, s.v), max(a.hi, s.v)
		if s.ms > a.lastMs {
			a.lastMs, a.last = s.ms, s.v
		}
	}
	value := func(a *acc) float64 {
		switch agg {
		case tsdb.AggSum:
			return a.sum
		case tsdb.AggMin:
			return a.lo
		case tsdb.AggMax:
			return a.hi
		case tsdb.AggLast:
			return a.last
		}
		return a.sum / float64(a.n)
	}
	if len(got.Series) != len(want) {
		t.Errorf("%s: %d series, want %d", name, len(got.Series), len(want))
	}
	for _, sr := range got.Series {
		w := want[key(sr.Metric, sr.Labels)]
		if len(sr.Points) != len(w) {
			t.Errorf("%s %s%v: %d points, want %d", name, sr.Metric, sr.Labels, len(sr.Points), len(w))
		}
		for _, p := range sr.Points {
			a, ok := w[int64(p[0])]
			if !ok {
				t.Errorf("%s %s%v at %s: %v where no sample is", name, sr.Metric, sr.Labels, time.UnixMilli(int64(p[0])).UTC(), p[1])
				break
			}
			if v := value(a); v != p[1] {
				t.Errorf("%s %s%v at %s: %v, want %v (%d samples)", name, sr.Metric, sr.Labels, time.UnixMilli(int64(p[0])).UTC(), p[1], v, a.n)
				break
			}
		}
	}
}
