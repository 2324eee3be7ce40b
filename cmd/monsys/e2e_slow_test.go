package main_test

import (
	"sync/atomic"
	"testing"
	"time"
)

// RELIABILITY.md R4 at CI size: every commit takes slowCommit while agents
// keep sending; the hub waits at most slowWait for a commit.
const (
	slowAgents = 40
	slowCommit = 1500 * time.Millisecond
	slowWait   = 2 * time.Second // MONSYS_INGEST_WAIT
	slowLoad   = 20 * time.Second
	// Bounds: a refusal comes back within the wait and a margin for a
	// loaded machine; the hub's memory stays that of an idle hub plus its
	// bounded rings.
	slowRefusalWithin = slowWait + 2*time.Second
	slowMaxRSS        = 300 << 20
)

func TestIngestUnderSlowStorage(t *testing.T) {
	bin := buildHub(t)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		"MONSYS_INGEST_WAIT="+slowWait.String())
	h := s.start(t)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	moments := &crashMoments{acked: make(chan struct{}, 1)}
	agents := enrollCrashAgents(t, c, slowAgents, "slow", moments)
	for _, a := range agents {
		a.retryCap = 5 * time.Second
	}
	baseline := h.metric(t, "go_goroutines")
	slowCommits(t, s.connString("monsys"), slowCommit)

	var target atomic.Pointer[string]
	target.Store(&h.url)
	stream := streamCrashAgents(t, agents, &target, time.Now().Add(-time.Hour).Truncate(time.Second), 2*time.Minute)
	var peakGoroutines float64
	for end := time.Now().Add(slowLoad); time.Now().Before(end); time.Sleep(time.Second) {
		peakGoroutines = max(peakGoroutines, h.metric(t, "go_goroutines"))
	}
	fastCommits(t, s.connString("monsys"))
	stream.stop(30 * time.Second)
	stream.hc.CloseIdleConnections()

	// Goroutines return to the idle hub's count once the load is gone
	// (RELIABILITY.md: baseline ±5 %, plus a few for pooled connections).
	var after float64
	waitUntil(t, "the hub's goroutines to return to baseline", func() bool {
		after = h.metric(t, "go_goroutines")
		return after <= baseline*1.05+5
	})
	peakRSS := h.peakRSS(t)
	if peakRSS > slowMaxRSS {
		t.Errorf("hub peak RSS %s, want at most %s", mib(peakRSS), mib(slowMaxRSS))
	}

	stats, acked := tallyAgents(t, agents, 0)
	stats.answeredAtOnce(t, slowRefusalWithin)
	if stats.unavailable == 0 {
		t.Errorf("no request was refused: the commits were not slow enough to test refusals")
	}
	counts := verifyCrashDatabase(t, s.connString("monsys"), agents)
	t.Logf("R4 figures: agents=%d commit_delay=%v ingest_wait=%v tries=%d batches_acked=%d lost=%d duplicated=%d 503=%d 429=%d no_answer=%d slowest_refusal=%v hub_peak_rss=%s goroutines_idle=%v peak=%v after=%v",
		slowAgents, slowCommit, slowWait, stats.tries, acked, counts.lost, counts.duplicated, stats.unavailable, stats.limited, stats.network,
		stats.slowestRefusal.Round(time.Millisecond), mib(peakRSS), baseline, peakGoroutines, after)
	h.terminate(t)
}
