package main_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/zstd"

	"github.com/monsys/monsys/wire"
)

// RELIABILITY.md R1 at CI size: agents stream while the hub is SIGKILLed
// and restarted; every acknowledged sample must be in the database once.
const (
	crashAgents     = 20
	crashSeries     = 10                      // series per batch, one sample each
	crashInterval   = 1200 * time.Millisecond // per agent: 50 batches/min, under the 60/min limit
	crashKills      = 4
	crashWarmUp     = 2 * time.Second
	crashTail       = 3 * time.Second // new batches still produced after the last restart
	crashDrain      = 20 * time.Second
	crashClientWait = 5 * time.Second
	crashRetryCap   = time.Second
)

// crashBatch is one batch exactly as sent: every retry resends body.
type crashBatch struct {
	id     string
	timeMs int64
	values [crashSeries]float64
	body   []byte // zstd-compressed JSON
}

// crashAck is a batch the hub answered 200 for, and how long that took.
type crashAck struct {
	*crashBatch
	waited      time.Duration // first attempt to the 200
	acrossCrash bool          // some attempt ended in a network error
	duplicate   bool          // the 200 said an earlier attempt had committed it
}

// crashStats are one agent's counts of attempts and retries.
type crashStats struct {
	tries, network, unavailable, limited int
	noRetryAfter                         int           // 503 or 429 without a Retry-After of at least 1 s
	slowestRefusal                       time.Duration // the longest a 503 or 429 took to come back
}

func (s *crashStats) add(o crashStats) {
	s.tries += o.tries
	s.network += o.network
	s.unavailable += o.unavailable
	s.limited += o.limited
	s.noRetryAfter += o.noRetryAfter
	s.slowestRefusal = max(s.slowestRefusal, o.slowestRefusal)
}

// tallyAgents sums the agents' answers and counts their acknowledged
// batches. It fails t for an agent stopped by an answer it must not
// retry, for a refusal without Retry-After and, when settle is not 0, for
// a batch still unacknowledged although it had settle to be.
func tallyAgents(t *testing.T, agents []*crashAgent, settle time.Duration) (stats crashStats, acked int) {
	t.Helper()
	for _, a := range agents {
		if a.err != nil {
			t.Errorf("agent %d: %v", a.index, a.err)
		}
		if settle > 0 && a.pending != nil {
			t.Errorf("agent %d: batch %s not acknowledged within %v of the end", a.index, a.pending.id, settle)
		}
		stats.add(a.stats)
		acked += len(a.acked)
	}
	if stats.noRetryAfter > 0 {
		t.Errorf("%d refusals came without Retry-After", stats.noRetryAfter)
	}
	return stats, acked
}

// answeredAtOnce fails t when an attempt got no answer within the
// client's wait or a refusal took longer than within: a hub whose storage
// is in trouble must still answer, and quickly.
func (s crashStats) answeredAtOnce(t *testing.T, within time.Duration) {
	t.Helper()
	if s.network > 0 {
		t.Errorf("%d attempts got no answer within %v; the hub must answer 503 at once", s.network, crashClientWait)
	}
	if s.slowestRefusal > within {
		t.Errorf("the slowest refusal took %v, want at most %v", s.slowestRefusal, within)
	}
}

// crashMoments tell the killer when a crash hurts most: while a request
// awaits its answer (the hub may commit and die before answering), and
// just after a 200 (a hub that answered before COMMIT loses the batch).
type crashMoments struct {
	inFlight atomic.Int32  // requests of all agents awaiting an answer
	acked    chan struct{} // capacity 1: a 200 has just arrived
	acks     atomic.Int64  // 200s of all agents so far
	refused  atomic.Int64  // 503s of all agents so far
	lastAck  atomic.Int64  // when the latest 200 arrived, Unix nanoseconds
}

// ackAfter waits up to limit for a 200 that arrives after t and returns
// how long after t it came; ok is false when none did.
func (m *crashMoments) ackAfter(t time.Time, limit time.Duration) (time.Duration, bool) {
	deadline := t.Add(limit)
	for time.Now().Before(deadline) {
		if last := m.lastAck.Load(); last > t.UnixNano() {
			return time.Duration(last - t.UnixNano()), true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, false
}

// waitFor waits up to a second for a moment of kill number k.
func (m *crashMoments) waitFor(k int) string {
	deadline := time.Now().Add(time.Second)
	if k%2 == 0 {
		for m.inFlight.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return fmt.Sprintf("with %d requests in flight", m.inFlight.Load())
	}
	select {
	case <-m.acked: // stale: it may be older than this wait
	default:
	}
	select {
	case <-m.acked:
		return "just after an acknowledgement"
	case <-time.After(time.Until(deadline)):
		return "with no acknowledgement for 1 s"
	}
}

// crashAgent is one simulated agent. Its goroutine owns every field below
// key until the test has waited for it.
type crashAgent struct {
	index    int
	id       string
	token    string
	hostname string
	key      ed25519.PrivateKey
	moments  *crashMoments

	retryCap time.Duration // longest wait between attempts; 0 is crashRetryCap

	acked   []crashAck
	pending *crashBatch   // sent and never acknowledged
	unsure  []*crashBatch // given up on after an answer that says it may still commit
	stats   crashStats
	err     error // an answer the protocol says not to retry
}

func TestIngestSurvivesKill9(t *testing.T) {
	bin := buildHub(t)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword)
	h := s.start(t)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	moments := &crashMoments{acked: make(chan struct{}, 1)}
	agents := enrollCrashAgents(t, c, crashAgents, "crash", moments)
	// Agents read the hub's address per attempt: each restart gets a new port.
	var target atomic.Pointer[string]
	target.Store(&h.url)
	began := time.Now()
	base := began.Add(-50 * time.Minute).Truncate(time.Second)
	stream := streamCrashAgents(t, agents, &target, base, 90*time.Second)

	time.Sleep(crashWarmUp)
	var restarts []time.Duration
	for k := range crashKills {
		time.Sleep(3*time.Second + mrand.N(3*time.Second))
		// At this load a request is in flight only a few % of the time:
		// a kill at a plain random moment would rarely hit a batch.
		when := moments.waitFor(k)
		h.kill(t)
		killed := time.Now()
		h = s.start(t)
		target.Store(&h.url)
		h.waitHealthy(t)
		restarts = append(restarts, time.Since(killed))
		t.Logf("kill %d at %.1fs %s: hub healthy again after %v",
			k+1, time.Since(began).Seconds(), when, restarts[k].Round(time.Millisecond))
	}
	lastRestart := time.Now()
	time.Sleep(crashTail)
	stopped := time.Now()
	stream.stop(crashDrain)
	drainTook := time.Since(stopped)

	var acked, dupAcks, crossed int
	var stats crashStats
	var maxWait, maxWaitCrash time.Duration
	for _, a := range agents {
		if a.err != nil {
			t.Errorf("agent %d: %v", a.index, a.err)
		}
		if a.pending != nil {
			t.Errorf("agent %d: batch %s never acknowledged within %v of the last restart", a.index, a.pending.id, crashTail+crashDrain)
		}
		stats.add(a.stats)
		for _, ack := range a.acked {
			acked++
			maxWait = max(maxWait, ack.waited)
			if ack.duplicate {
				dupAcks++
			}
			if ack.acrossCrash {
				crossed++
				maxWaitCrash = max(maxWaitCrash, ack.waited)
			}
		}
	}
	if acked < crashAgents*(crashKills+1) {
		t.Fatalf("only %d batches acknowledged; the test did not exercise ingest", acked)
	}

	counts := verifyCrashDatabase(t, s.connString("monsys"), agents)

	// The samples were 50 minutes late: the rollup worker rolled them up
	// again while hubs were being killed, at each start. One more start
	// runs it once more; then the 1m and 1h tiers agree with raw samples.
	h.terminate(t)
	h = s.start(t)
	h.waitHealthy(t)
	waitUntil(t, "the late samples to be rolled up", func() bool { return invalidationsLeft(t, s) == 0 })
	c = h.client()
	c.login(t, ownerEmail, ownerPassword)
	metrics := make([]string, crashSeries)
	for m := range metrics {
		metrics[m], _ = crashSeriesName("", m)
	}
	from := base.Truncate(time.Hour)
	for _, a := range agents[:3] {
		if mismatch := tiersDisagree(t, c, a.id, metrics, from, from.Add(2*time.Hour), time.Second); mismatch != "" {
			t.Errorf("agent %d after the worker ran: %s", a.index, mismatch)
		}
	}

	h.terminate(t)
	requireNoCluster(t, s.clusterDir(), "after SIGTERM")
	t.Logf("R1 figures: agents=%d tries=%d batches_acked=%d samples_acked=%d lost=%d duplicated=%d 503=%d no_answer=%d kills=%d restart_ms=%v",
		crashAgents, stats.tries, acked, acked*crashSeries, counts.lost, counts.duplicated, stats.unavailable, stats.network, crashKills, millis(restarts))
	t.Logf("retries: network=%d 503=%d 429=%d; acks that were duplicates (committed before the crash)=%d; batches acked across a crash=%d",
		stats.network, stats.unavailable, stats.limited, dupAcks, crossed)
	t.Logf("max ack wait=%v, max ack wait across a crash=%v; last batches acked %v after production stopped, %v after the last restart; streaming took %v",
		maxWait.Round(time.Millisecond), maxWaitCrash.Round(time.Millisecond), drainTook.Round(time.Millisecond),
		(stopped.Sub(lastRestart) + drainTook).Round(time.Millisecond), stopped.Add(drainTook).Sub(began).Round(time.Millisecond))
}

// newEncoder is a zstd encoder for EncodeAll, closed when t ends.
func newEncoder(t *testing.T) *zstd.Encoder {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = enc.Close() }) // Close of an encoder used only by EncodeAll cannot fail
	return enc
}

// enrollCrashAgents registers n simulated agents, each with its own
// signing key, through an enrollment token named name.
func enrollCrashAgents(t *testing.T, c *client, n int, name string, moments *crashMoments) []*crashAgent {
	t.Helper()
	var enroll struct{ Token string }
	c.call(t, http.MethodPost, "/api/v1/enrollment-tokens", "", map[string]string{"name": name}, http.StatusCreated, &enroll)
	agents := make([]*crashAgent, n)
	for i := range agents {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		a := &crashAgent{index: i, hostname: fmt.Sprintf("%s-%02d", name, i), key: priv, moments: moments}
		reg := c.registerKey(t, enroll.Token, "machine-"+name+"-"+strconv.Itoa(i), a.hostname, pub, http.StatusCreated)
		a.id, a.token = reg.ID, reg.Token
		agents[i] = a
	}
	return agents
}

// crashStream is agents producing and delivering batches until stop.
type crashStream struct {
	stopProducing chan struct{}
	stopOnce      sync.Once
	cancel        context.CancelFunc
	wg            sync.WaitGroup
	hc            *http.Client
}

// streamCrashAgents starts every agent's loop against the hub target
// names; every loop ends within limit whatever happens.
func streamCrashAgents(t *testing.T, agents []*crashAgent, target *atomic.Pointer[string], base time.Time, limit time.Duration) *crashStream {
	t.Helper()
	enc := newEncoder(t)
	st := &crashStream{stopProducing: make(chan struct{}),
		hc: &http.Client{Timeout: crashClientWait, Transport: &http.Transport{MaxIdleConnsPerHost: len(agents)}}}
	// Cleanups run last in, first out: this one after the agents have stopped.
	t.Cleanup(st.hc.CloseIdleConnections)
	var ctx context.Context
	ctx, st.cancel = context.WithTimeout(context.Background(), limit)
	for _, a := range agents {
		st.wg.Add(1)
		go func() {
			defer st.wg.Done()
			a.run(ctx, st.stopProducing, st.hc, enc, target, base)
		}()
	}
	// On a failure, stop the agents before the hubs and the cluster go.
	t.Cleanup(func() { st.stop(0) })
	return st
}

// stop ends production and waits up to drain for the agents to deliver
// what they hold; then it gives up on the rest (left in each agent's
// pending).
func (st *crashStream) stop(drain time.Duration) {
	st.stopOnce.Do(func() { close(st.stopProducing) })
	drained := make(chan struct{})
	go func() { st.wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(drain):
		st.cancel()
		<-drained
	}
	st.cancel()
}

// invalidationsLeft counts the ranges of late samples the rollup worker
// has not rolled up again yet.
func invalidationsLeft(t *testing.T, s *site) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.connString("monsys"))
	if err != nil {
		t.Fatalf("connect to the embedded cluster: %v", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM rollup_invalidations`).Scan(&n); err != nil {
		t.Fatalf("count rollup invalidations: %v", err)
	}
	return n
}

// run produces one batch per crashInterval until stop, delivering each
// before making the next, as an agent's spool does.
func (a *crashAgent) run(ctx context.Context, stop <-chan struct{}, hc *http.Client, enc *zstd.Encoder, target *atomic.Pointer[string], base time.Time) {
	next := time.Now().Add(mrand.N(crashInterval)) // spread the agents over the interval
	for k := 0; ; k++ {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		b := a.batch(k, base, enc)
		ack, ok := a.deliver(ctx, hc, target, b)
		if !ok {
			a.pending = b
			return
		}
		a.acked = append(a.acked, ack)
		// No catching up after an outage: that would break the rate limit.
		if next = next.Add(crashInterval); next.Before(time.Now()) {
			next = time.Now()
		}
	}
}

// batch makes batch k: crashSeries series, one sample each at base+k s.
func (a *crashAgent) batch(k int, base time.Time, enc *zstd.Encoder) *crashBatch {
	b := &crashBatch{id: uuid.Must(uuid.NewV7()).String(), timeMs: base.Add(time.Duration(k) * time.Second).UnixMilli()}
	wb := wire.Batch{BatchID: b.id, Seq: uint64(k + 1)}
	for m := range crashSeries {
		b.values[m] = float64(a.index*1_000_000+k*100+m) + 0.25
		name, labels := crashSeriesName(a.hostname, m)
		wb.Metrics = append(wb.Metrics, wire.Metric{Name: name, Labels: labels,
			Samples: []wire.Sample{{TimeMs: b.timeMs, Value: b.values[m]}}})
	}
	b.body = enc.EncodeAll(wire.AppendBatchJSON(nil, &wb), nil)
	return b
}

func crashSeriesName(hostname string, m int) (string, map[string]string) {
	return fmt.Sprintf("e2e_crash_%02d", m), map[string]string{"host": hostname, "slot": strconv.Itoa(m)}
}

// deliver sends b until the hub answers 200, retrying network errors, 503
// and 429 only. It gives up when ctx ends.
func (a *crashAgent) deliver(ctx context.Context, hc *http.Client, target *atomic.Pointer[string], b *crashBatch) (crashAck, bool) {
	ack := crashAck{crashBatch: b}
	first := time.Now()
	retryCap := a.retryCap
	if retryCap == 0 {
		retryCap = crashRetryCap
	}
	for {
		a.stats.tries++
		sent := time.Now()
		status, retryAfter, reply, err := a.post(ctx, hc, *target.Load(), b)
		wait := retryCap
		switch {
		case ctx.Err() != nil:
			return ack, false
		case err != nil:
			a.stats.network++
			ack.acrossCrash = true
			wait = 100*time.Millisecond + mrand.N(200*time.Millisecond)
		case status == http.StatusOK:
			var r wire.IngestResponse
			if err := json.Unmarshal(reply, &r); err != nil || r.BatchID != b.id || r.Samples != crashSeries {
				a.err = fmt.Errorf("batch %s: 200 answer %s (%v), want its batch id and %d samples", b.id, reply, err, crashSeries)
				return ack, false
			}
			ack.waited, ack.duplicate = time.Since(first), r.Duplicate
			a.moments.acks.Add(1)
			a.moments.lastAck.Store(time.Now().UnixNano())
			select {
			case a.moments.acked <- struct{}{}:
			default:
			}
			return ack, true
		case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
			if status == http.StatusTooManyRequests {
				a.stats.limited++
			} else {
				a.stats.unavailable++
				a.moments.refused.Add(1)
			}
			a.stats.slowestRefusal = max(a.stats.slowestRefusal, time.Since(sent))
			if retryAfter > 0 {
				wait = min(retryAfter, retryCap)
			} else {
				a.stats.noRetryAfter++
			}
			wait += mrand.N(100 * time.Millisecond)
		default:
			a.err = fmt.Errorf("batch %s: answered %d, which an agent does not retry: %s", b.id, status, reply)
			return ack, false
		}
		select {
		case <-ctx.Done():
			return ack, false
		case <-time.After(wait):
		}
	}
}

// post makes one signed attempt; the signature is fresh, the body the same.
func (a *crashAgent) post(ctx context.Context, hc *http.Client, url string, b *crashBatch) (int, time.Duration, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/ingest", bytes.NewReader(b.body))
	if err != nil {
		return 0, 0, nil, err
	}
	ts, sig := wire.Sign(a.key, wire.PurposeIngest, a.id, time.Now(), b.body)
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "zstd")
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	a.moments.inFlight.Add(1)
	defer a.moments.inFlight.Add(-1)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, 0, nil, err // cut off mid-answer: as good as no answer
	}
	var retryAfter time.Duration
	if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		retryAfter = time.Duration(n) * time.Second
	}
	return resp.StatusCode, retryAfter, reply, nil
}

// crashSampleKey names one sample by what the agent sent: agent, series
// (metric and canonical labels) and time.
type crashSampleKey struct {
	agent, metric, labels string
	timeMs                int64
}

func canonicalLabels(labels map[string]string) string {
	var sb strings.Builder
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		sb.WriteString(k + "=" + labels[k] + ",")
	}
	return sb.String()
}

// verifyCrashDatabase reads the samples and the ledger of the agents
// straight from PostgreSQL: every acknowledged sample is there with its
// value, no (series, time) is stored twice, nothing unacknowledged was
// stored, and the ledger holds each acknowledged batch once.
func verifyCrashDatabase(t *testing.T, connString string, agents []*crashAgent) crashCounts {
	t.Helper()
	want := map[crashSampleKey]float64{}
	wantBatches := map[string]bool{}
	maybe := map[crashSampleKey]bool{} // a batch given up on may or may not have committed
	maybeBatches := map[string]bool{}
	ids := make([]string, len(agents))
	for i, a := range agents {
		ids[i] = a.id
		add := func(b *crashBatch, into func(crashSampleKey, float64)) {
			for m := range crashSeries {
				name, labels := crashSeriesName(a.hostname, m)
				into(crashSampleKey{a.id, name, canonicalLabels(labels), b.timeMs}, b.values[m])
			}
		}
		for _, ack := range a.acked {
			wantBatches[ack.id] = true
			add(ack.crashBatch, func(k crashSampleKey, v float64) { want[k] = v })
		}
		for _, b := range append(a.unsure, a.pending) {
			if b != nil {
				maybeBatches[b.id] = true
				add(b, func(k crashSampleKey, _ float64) { maybe[k] = true })
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatalf("connect to the database: %v", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	rows, err := conn.Query(ctx, `SELECT s.id, s.agent_id::text, s.metric, s.labels, x.time, x.value
FROM samples x JOIN series s ON s.id = x.series_id WHERE s.agent_id = ANY($1::uuid[])`, ids)
	if err != nil {
		t.Fatalf("read samples: %v", err)
	}
	type seriesTime struct {
		series int64
		timeMs int64
	}
	stored := map[seriesTime]int{}
	var seriesID int64
	var agentID, metric string
	var labels map[string]string
	var at time.Time
	var value float64
	var total, duplicates, unexpected, wrongValue int
	found := map[crashSampleKey]bool{}
	_, err = pgx.ForEachRow(rows, []any{&seriesID, &agentID, &metric, &labels, &at, &value}, func() error {
		total++
		st := seriesTime{seriesID, at.UnixMilli()}
		if stored[st]++; stored[st] == 2 {
			duplicates++
			if duplicates <= 5 {
				t.Errorf("series %d (%s %v) has more than one sample at %s", seriesID, metric, labels, at.UTC().Format(time.RFC3339Nano))
			}
		}
		k := crashSampleKey{agentID, metric, canonicalLabels(labels), at.UnixMilli()}
		v, ok := want[k]
		switch {
		case !ok && !maybe[k]:
			if unexpected++; unexpected <= 5 {
				t.Errorf("stored sample %+v = %v was never acknowledged nor sent", k, value)
			}
		case ok && v != value:
			if wrongValue++; wrongValue <= 5 {
				t.Errorf("sample %+v = %v, acknowledged as %v", k, value, v)
			}
		}
		found[k] = true
		return nil
	})
	if err != nil {
		t.Fatalf("read samples: %v", err)
	}
	var missing int
	for k := range want {
		if !found[k] {
			if missing++; missing <= 5 {
				t.Errorf("acknowledged sample %+v is not in the database", k)
			}
		}
	}

	rows, err = conn.Query(ctx, `SELECT batch_id::text, samples FROM ingest_batches WHERE agent_id = ANY($1::uuid[])`, ids)
	if err != nil {
		t.Fatalf("read ingest ledger: %v", err)
	}
	var batchID string
	var samples int32
	ledger := map[string]int{}
	_, err = pgx.ForEachRow(rows, []any{&batchID, &samples}, func() error {
		ledger[batchID]++
		switch {
		case !wantBatches[batchID] && !maybeBatches[batchID]:
			t.Errorf("ledger holds batch %s, which no agent sent or had acknowledged", batchID)
		case samples != crashSeries:
			t.Errorf("ledger row of batch %s counts %d samples, want %d", batchID, samples, crashSeries)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read ingest ledger: %v", err)
	}
	for id := range wantBatches {
		if n := ledger[id]; n != 1 {
			t.Errorf("ledger holds acknowledged batch %s %d times, want once", id, n)
		}
	}
	if missing+duplicates+unexpected+wrongValue > 0 {
		t.Errorf("database: %d samples stored for %d acknowledged: %d acknowledged missing, %d (series, time) duplicated, %d never acknowledged, %d with another value",
			total, len(want), missing, duplicates, unexpected, wrongValue)
	}
	t.Logf("database: %d samples stored for %d acknowledged; %d ledger rows for %d acknowledged batches", total, len(want), len(ledger), len(wantBatches))
	return crashCounts{acked: len(want), lost: missing, duplicated: duplicates}
}

// crashCounts are verifyCrashDatabase's findings, in samples.
type crashCounts struct{ acked, lost, duplicated int }

func millis(ds []time.Duration) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.Milliseconds()
	}
	return out
}
