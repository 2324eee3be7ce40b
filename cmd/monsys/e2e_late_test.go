package main_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/zstd"

	"github.com/monsys/monsys/agent/spool"
	"github.com/monsys/monsys/wire"
)

// TestLateSpoolReachesEveryTier runs the real hub and the real agent
// after an outage: the agent's spool holds three hours of its intervals
// from before the hub last rolled up (as if the hub had been unreachable
// all that time), the agent replays it oldest first, and within two runs
// of the hub's rollup worker the 1m and 1h answers over those three hours
// equal the raw answer: no hole, nothing counted twice.
func TestLateSpoolReachesEveryTier(t *testing.T) {
	hubBin, agentBin := buildHub(t), buildAgent(t)
	s := newSite(t, hubBin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		"MONSYS_INGEST_BATCHES_PER_MINUTE=6000") // the replay of 360 batches goes as fast as the hub answers
	h := s.start(t)
	h.waitHealthy(t)
	m := enrollLine.FindStringSubmatch(h.Stdout(t))
	if m == nil {
		t.Fatalf("no enroll command in the banner:\n%s", h.Stdout(t))
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	a := startAgent(t, agentBin, dir, "--hub", h.url, "--token", m[3], "--state-dir", state, "--interval", "5s")
	agentID := waitAgentID(t, state, a)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	db, err := pgx.Connect(ctx, s.connString("monsys"))
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last in, first out: the connection closes after the counter stopped.
	t.Cleanup(func() { db.Close(context.WithoutCancel(ctx)) })
	// The hub's first rollup run, at start, has rolled the last 7 days up.
	runs := rollupRuns(t, ctx, db)
	waitUntil(t, "the hub's first rollup run", func() bool { return runs.count() > 0 })
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-a.done

	// Three hours of intervals, 30 s apart, each a batch of two series,
	// ending an hour before the current one: spooled while the hub was
	// unreachable.
	end := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	start := end.Add(-3 * time.Hour)
	spoolOutage(t, filepath.Join(state, "spool"), start, end, 30*time.Second)
	a = startAgent(t, agentBin, dir, "--hub", h.url, "--state-dir", state, "--interval", "5s")
	waitUntil(t, "the spool to drain", func() bool { return spoolFiles(t, state) == 0 })
	drained := runs.count()

	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		mismatch := tiersDisagree(t, c, agentID, []string{"load1", "e2e_outage_ratio"}, start, end, 30*time.Second)
		after := runs.count() - drained
		if mismatch == "" {
			t.Logf("1m and 1h answers equal raw ones after %d rollup runs since the spool drained", after)
			break
		}
		if after > 2 || time.Now().After(deadline) {
			t.Fatalf("after %d rollup runs since the spool drained: %s", after, mismatch)
		}
		time.Sleep(time.Second)
	}
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-a.done
	h.terminate(t)
}

// spoolOutage appends to a stopped agent's spool one batch per step over
// [from, to), as the agent makes them, with random values that are
// multiples of 1/8 (so sums are exact).
func spoolOutage(t *testing.T, dir string, from, to time.Time, step time.Duration) {
	t.Helper()
	sp, err := spool.Open(dir, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = enc.Close() }() // used by EncodeAll only: Close cannot fail
	rng := rand.New(rand.NewPCG(uint64(from.Unix()), 15))
	for at := from; at.Before(to); at = at.Add(step) {
		ms := at.UnixMilli() + int64(rng.IntN(1000))
		b := wire.Batch{BatchID: uuid.NewString(), Seq: sp.NextSeq(), Metrics: []wire.Metric{
			{Name: "load1", Labels: map[string]string{}, Samples: []wire.Sample{{TimeMs: ms, Value: float64(rng.IntN(64)) / 8}}},
			{Name: "e2e_outage_ratio", Labels: map[string]string{"cpu": "all"}, Samples: []wire.Sample{{TimeMs: ms, Value: float64(rng.IntN(9)) / 8}}},
		}}
		if _, err := sp.Append(b.Seq, b.BatchID, enc.EncodeAll(wire.AppendBatchJSON(nil, &b), nil)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sp.Sync(); err != nil {
		t.Fatal(err)
	}
}

// runCounter counts the hub's rollup runs by the updates of the minute
// watermark (every run writes it), polled in the background on db, which
// nothing else may use meanwhile.
type runCounter struct{ runs atomic.Int64 }

func rollupRuns(t *testing.T, ctx context.Context, db *pgx.Conn) *runCounter {
	t.Helper()
	r := &runCounter{}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var last time.Time
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			var at time.Time
			err := db.QueryRow(ctx, `SELECT updated_at FROM rollup_watermarks WHERE tier = '1m'`).Scan(&at)
			if err == nil && !at.Equal(last) {
				last = at
				r.runs.Add(1)
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return r
}

func (r *runCounter) count() int64 { return r.runs.Load() }

// tiersDisagree reads the agent's metrics over [from, to) raw at step (at
// most one sample a bucket, so each point is a sample), and from the 1m
// and 1h tiers for every agg, and says where a tier differs from what the
// raw samples make, or "" when none does. from and to are whole hours.
func tiersDisagree(t *testing.T, c *client, agentID string, metrics []string, from, to time.Time, step time.Duration) string {
	t.Helper()
	raw := tierAnswer(t, c, agentID, metrics, from, to, step.String(), "sum")
	if raw.Source != "raw" {
		return fmt.Sprintf("the %s read came from %s", step, raw.Source)
	}
	for _, tier := range []struct {
		interval string
		width    time.Duration
	}{{"1m", time.Minute}, {"1h", time.Hour}} {
		for _, agg := range []string{"avg", "min", "max", "sum", "last"} {
			got := tierAnswer(t, c, agentID, metrics, from, to, tier.interval, agg)
			if got.Source != tier.interval {
				return fmt.Sprintf("interval %s read from %s", tier.interval, got.Source)
			}
			want := rebucket(raw, tier.width, agg)
			if len(got.Series) != len(want) {
				return fmt.Sprintf("%s/%s: %d series, raw has %d", tier.interval, agg, len(got.Series), len(want))
			}
			for _, sr := range got.Series {
				w := want[sr.Metric]
				if len(sr.Points) != len(w) {
					return fmt.Sprintf("%s/%s %s: %d points, raw makes %d (pending until %v)", tier.interval, agg, sr.Metric, len(sr.Points), len(w), got.PendingUntil)
				}
				for _, p := range sr.Points {
					if v, ok := w[int64(p[0])]; !ok || v != p[1] {
						return fmt.Sprintf("%s/%s %s at %s: %v, raw makes %v", tier.interval, agg, sr.Metric, time.UnixMilli(int64(p[0])).UTC(), p[1], v)
					}
				}
			}
		}
	}
	return ""
}

// tierReply is the part of a metrics answer the late tests read.
type tierReply struct {
	Source       string     `json:"source"`
	PendingUntil *time.Time `json:"pending_until"`
	Series       []struct {
		Metric string       `json:"metric"`
		Points [][2]float64 `json:"points"`
	} `json:"series"`
}

func tierAnswer(t *testing.T, c *client, agentID string, metrics []string, from, to time.Time, interval, agg string) tierReply {
	t.Helper()
	q := url.Values{"metric": metrics, "from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)},
		"interval": {interval}, "agg": {agg}}
	var out tierReply
	c.call(t, http.MethodGet, "/api/v1/agents/"+agentID+"/metrics?"+q.Encode(), "", nil, http.StatusOK, &out)
	return out
}

// rebucket aggregates raw points (one sample each, in time order) into
// buckets of width: metric → bucket start → value.
func rebucket(raw tierReply, width time.Duration, agg string) map[string]map[int64]float64 {
	out := map[string]map[int64]float64{}
	for _, sr := range raw.Series {
		type acc struct {
			n                 int
			sum, lo, hi, last float64
		}
		accs := map[int64]*acc{}
		for _, p := range sr.Points {
			ms := int64(p[0])
			b := ms - ms%width.Milliseconds()
			a := accs[b]
			if a == nil {
				a = &acc{lo: p[1], hi: p[1]}
				accs[b] = a
			}
			a.n++
			a.sum += p[1]
			a.lo, a.hi, a.last = min(a.lo, p[1]), max(a.hi, p[1]), p[1]
		}
		vals := map[int64]float64{}
		for b, a := range accs {
			switch agg {
			case "sum":
				vals[b] = a.sum
			case "min":
				vals[b] = a.lo
			case "max":
				vals[b] = a.hi
			case "last":
				vals[b] = a.last
			default:
				vals[b] = a.sum / float64(a.n)
			}
		}
		out[sr.Metric] = vals
	}
	return out
}
