package main_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// RELIABILITY.md R6: SIGTERM with drainInFlight ingest requests in flight
// (those a flush answered before the last arrived are counted apart).
const (
	drainAgents   = 40
	drainPerAgent = 5 // batches each agent has in flight at once: 200 in all
	drainInFlight = drainAgents * drainPerAgent
	drainGrace    = 15 * time.Second // MONSYS_SHUTDOWN_GRACE of the hub
	drainCommit   = 3 * time.Second
)

func TestShutdownUnderLoad(t *testing.T) {
	bin := buildHub(t)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		"MONSYS_SHUTDOWN_GRACE="+drainGrace.String())
	h := s.start(t)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	moments := &crashMoments{acked: make(chan struct{}, 1)}
	agents := enrollCrashAgents(t, c, drainAgents, "drain", moments)
	enc := newEncoder(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	// Every flush takes drainCommit, so the requests are still waiting for
	// their commits when the signal comes.
	slowCommits(t, s.connString("monsys"), drainCommit)

	hc := &http.Client{Timeout: 2 * drainGrace, Transport: &http.Transport{MaxIdleConnsPerHost: drainInFlight}}
	defer hc.CloseIdleConnections()
	var written, answered atomic.Int32
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { written.Add(1) }})
	type outcome struct {
		agent  *crashAgent
		batch  *crashBatch
		status int
		err    error
	}
	outcomes := make(chan outcome, drainInFlight)
	var wg sync.WaitGroup
	for _, a := range agents {
		for k := range drainPerAgent {
			b := a.batch(k, base, enc)
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, _, _, err := a.post(ctx, hc, h.url, b)
				answered.Add(1)
				outcomes <- outcome{a, b, status, err}
			}()
		}
	}
	waitUntil(t, "every request to be sent", func() bool { return written.Load() == drainInFlight })
	// ... and to be in the hub's hands or answered already (a flush may
	// commit the first ones before the last arrive on a busy machine; the
	// scrape counts itself).
	var atHub int
	waitUntil(t, "every request to reach the hub", func() bool {
		atHub = int(h.metric(t, "monsys_http_requests_in_flight")) - 1
		return atHub+int(answered.Load()) >= drainInFlight
	})
	time.Sleep(100 * time.Millisecond) // from the middleware to the ring
	peakRSS := h.peakRSS(t)
	signalled := time.Now()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// New connections during the drain: refused, or (before the listener
	// closed) answered 503.
	waitUntil(t, "the hub to log that it shuts down", func() bool { return h.logLine(t, "shutting down") != nil })
	time.Sleep(100 * time.Millisecond)
	var refused, lateAnswers int
	addr := strings.TrimPrefix(h.url, "http://")
	for !h.exited() {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			refused++
		case err != nil:
			t.Errorf("connect during the drain: %v, want connection refused", err)
		default:
			_ = conn.Close() // only probing
			lateAnswers++
			late := agents[0].batch(1000+lateAnswers, base, enc)
			agents[0].unsure = append(agents[0].unsure, late)
			status, _, _, err := agents[0].post(context.Background(), hc, h.url, late)
			if err == nil && status != http.StatusServiceUnavailable {
				t.Errorf("a request on a new connection during the drain was answered %d, want 503 or a refused connection", status)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	exitTook := time.Since(signalled)
	if code := h.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("hub exited with %d after SIGTERM, want 0\nstderr:\n%s", code, tail(h.Stderr(t), 30))
	}
	if exitTook > drainGrace {
		t.Errorf("hub took %v to exit after SIGTERM, more than MONSYS_SHUTDOWN_GRACE=%v", exitTook, drainGrace)
	}
	if refused == 0 {
		t.Errorf("no connection attempt during the drain was refused")
	}

	wg.Wait()
	close(outcomes)
	var acked, unavailable int
	for o := range outcomes {
		switch {
		case o.err != nil:
			t.Errorf("a request in flight at SIGTERM got no answer: %v", o.err)
			o.agent.unsure = append(o.agent.unsure, o.batch)
		case o.status == http.StatusOK:
			acked++
			o.agent.acked = append(o.agent.acked, crashAck{crashBatch: o.batch})
		case o.status == http.StatusServiceUnavailable:
			unavailable++
			o.agent.unsure = append(o.agent.unsure, o.batch) // abandoned while queued: it may have committed
		default:
			t.Errorf("a request in flight at SIGTERM was answered %d, want 200 or 503", o.status)
		}
	}
	requireNoCluster(t, s.clusterDir(), "after SIGTERM")

	h = s.start(t)
	h.waitHealthy(t)
	counts := verifyCrashDatabase(t, s.connString("monsys"), agents)
	h.terminate(t)
	t.Logf("R6 figures: requests=%d in_flight_at_hub=%d acked=%d answered_503=%d lost=%d duplicated=%d exit_after_sigterm=%v grace=%v new_connections_refused=%d new_connections_accepted=%d hub_peak_rss=%s",
		drainInFlight, atHub, acked, unavailable, counts.lost, counts.duplicated, exitTook.Round(10*time.Millisecond), drainGrace,
		refused, lateAnswers, mib(peakRSS))
	if acked == 0 {
		t.Errorf("no request in flight was committed and acknowledged during the drain")
	}
}
