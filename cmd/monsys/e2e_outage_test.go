package main_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// RELIABILITY.md R2 at CI size: 20 agents stream to a hub whose database
// (its own PostgreSQL, which the hub does not own) is stopped, once with
// pg_ctl's fast mode and once with immediate (a crash: recovery at the next
// start), for outageLength each.
const (
	outageAgents  = 20
	outageLength  = 15 * time.Second // RELIABILITY.md says 30 s; half keeps the suite short and the property the same
	outageSteady  = 4 * time.Second  // streaming between outages
	outageRecover = 30 * time.Second // ingest must resume within this of the database's return
	// A refusal while the database is down must come back at once, not
	// after a connection timeout; generous for a loaded machine under -race.
	outageRefusalWithin = 3 * time.Second
)

func TestIngestSurvivesDatabaseOutage(t *testing.T) {
	bin := buildHub(t)
	cl := externalCluster(t, "", nil)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		"MONSYS_DATABASE_URL="+cl.ConnString("monsys"))
	h := s.start(t)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	moments := &crashMoments{acked: make(chan struct{}, 1)}
	agents := enrollCrashAgents(t, c, outageAgents, "outage", moments)
	for _, a := range agents {
		a.retryCap = 5 * time.Second // honour the hub's Retry-After, as the real agent does
	}
	var target atomic.Pointer[string]
	target.Store(&h.url)
	stream := streamCrashAgents(t, agents, &target, time.Now().Add(-time.Hour).Truncate(time.Second), 3*time.Minute)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var recoveries []time.Duration
	for _, mode := range []string{"fast", "immediate"} {
		time.Sleep(outageSteady)
		stopping := time.Now()
		if err := cl.Stop(ctx, mode); err != nil {
			t.Fatalf("stop postgresql (%s): %v", mode, err)
		}
		stopTook := time.Since(stopping)
		// A batch committed just before the stop may be answered a moment
		// after it; later acknowledgements would be commits of a stopped
		// database.
		time.Sleep(500 * time.Millisecond)
		acksDown := moments.acks.Load()
		time.Sleep(outageLength / 2)
		detail := h.wantUnhealthy(t, "database")
		if failing := h.metric(t, "monsys_ingest_storage_failing"); failing != 1 {
			t.Errorf("monsys_ingest_storage_failing = %v while the database is down (%s), want 1", failing, mode)
		}
		time.Sleep(outageLength/2 - 500*time.Millisecond)
		if n := moments.acks.Load() - acksDown; n != 0 {
			t.Errorf("%d batches acknowledged while the database was stopped (%s)", n, mode)
		}
		back := time.Now()
		if _, err := cl.EnsureRunning(ctx); err != nil {
			t.Fatalf("start postgresql again: %v", err)
		}
		startTook := time.Since(back)
		took, ok := moments.ackAfter(back, outageRecover)
		if !ok {
			t.Fatalf("no batch acknowledged within %v of the database's return (%s stop)\nhub stderr:\n%s", outageRecover, mode, tail(h.Stderr(t), 30))
		}
		recoveries = append(recoveries, took)
		t.Logf("%s stop (took %v): health said %s; the start took %v, the first acknowledgement came %v after it began",
			mode, stopTook.Round(time.Millisecond), strings.TrimSpace(detail), startTook.Round(time.Millisecond), took.Round(time.Millisecond))
	}
	time.Sleep(outageSteady)
	stream.stop(outageRecover)
	h.waitHealthy(t)

	stats, acked := tallyAgents(t, agents, outageRecover)
	stats.answeredAtOnce(t, outageRefusalWithin)
	counts := verifyCrashDatabase(t, cl.ConnString("monsys"), agents)
	t.Logf("R2 figures: agents=%d tries=%d batches_acked=%d samples_acked=%d lost=%d duplicated=%d 503=%d 429=%d no_answer=%d slowest_refusal=%v recovery_fast=%v recovery_immediate=%v hub_peak_rss=%s",
		outageAgents, stats.tries, acked, counts.acked, counts.lost, counts.duplicated, stats.unavailable, stats.limited, stats.network,
		stats.slowestRefusal.Round(time.Millisecond), recoveries[0].Round(100*time.Millisecond), recoveries[1].Round(100*time.Millisecond), mib(h.peakRSS(t)))
	h.terminate(t)
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestEmbeddedPostgresRestartsItself kills the embedded cluster's
// postmaster (SIGKILL, as the OOM killer would): the hub, not restarted,
// starts it again and is healthy and ingesting within a few seconds.
func TestEmbeddedPostgresRestartsItself(t *testing.T) {
	bin := buildHub(t)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword)
	h := s.start(t)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	moments := &crashMoments{acked: make(chan struct{}, 1)}
	agents := enrollCrashAgents(t, c, 2, "watchdog", moments)
	var target atomic.Pointer[string]
	target.Store(&h.url)
	stream := streamCrashAgents(t, agents, &target, time.Now().Add(-time.Hour).Truncate(time.Second), 2*time.Minute)
	time.Sleep(2 * time.Second)

	b, err := os.ReadFile(filepath.Join(s.clusterDir(), "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("postmaster.pid: %q", first)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	took, ok := moments.ackAfter(killed.Add(time.Second), outageRecover)
	if !ok {
		t.Fatalf("no batch acknowledged within %v of killing the embedded postgresql\nhub stderr:\n%s", outageRecover, tail(h.Stderr(t), 30))
	}
	h.waitHealthy(t)
	// The watchdog logs once pg_ctl has seen the server ready, which can
	// be a moment after the hub's first commit on it.
	waitUntil(t, "the hub to log that it restarted its postgresql", func() bool {
		return h.logLine(t, "embedded postgresql had stopped; started it again") != nil
	})
	stream.stop(outageRecover)
	for _, a := range agents {
		if a.err != nil || a.pending != nil {
			t.Errorf("agent %d: err %v, pending %v", a.index, a.err, a.pending != nil)
		}
	}
	counts := verifyCrashDatabase(t, s.connString("monsys"), agents)
	var stats crashStats
	for _, a := range agents {
		stats.add(a.stats)
	}
	t.Logf("watchdog figures: agents=%d tries=%d samples_acked=%d lost=%d duplicated=%d 503=%d no_answer=%d recovery=%v (from the kill) hub_peak_rss=%s",
		len(agents), stats.tries, counts.acked, counts.lost, counts.duplicated, stats.unavailable, stats.network,
		(took + time.Second).Round(100*time.Millisecond), mib(h.peakRSS(t)))
	h.terminate(t)
	requireNoCluster(t, s.clusterDir(), "after SIGTERM")
}
