package main_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// fakeRoot is a host root for one of several agents on this machine: its
// own /etc/machine-id (so each registers as its own agent), the real /proc
// and /sys.
func fakeRoot(t *testing.T, dir string) string {
	t.Helper()
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id) // never fails (crypto/rand)
	if err := os.WriteFile(filepath.Join(root, "etc", "machine-id"), []byte(hex.EncodeToString(id)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"proc", "sys"} {
		if err := os.Symlink("/"+d, filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestHubRestartPagesNobody restarts the real hub while three real agents
// report: the agents are not flagged silent although the hub was away for
// longer than their allowance; the tenant gets one hub_restarted alert
// naming the gap. One agent then stops for good and is flagged, once.
func TestHubRestartPagesNobody(t *testing.T) {
	hubBin, agentBin := buildHub(t), buildAgent(t)
	s := newSite(t, hubBin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		"MONSYS_INGEST_BATCHES_PER_MINUTE=1200",
		// Silent after 5 × 2 s; checked every second; after a start nobody
		// is silent for 20 s, longer than the agents' backoff after this outage.
		"MONSYS_SILENT_AFTER_INTERVALS=5", "MONSYS_SILENT_CHECK_INTERVAL=1s", "MONSYS_SILENT_RESTART_GRACE=20s")
	port := freePort(t)
	h := s.startOn(t, port)
	h.waitHealthy(t)
	m := enrollLine.FindStringSubmatch(h.Stdout(t))
	if m == nil {
		t.Fatalf("no enroll command in the banner:\n%s", h.Stdout(t))
	}
	var agents []*agentProc
	var ids []string
	for _, name := range []string{"a", "b", "c"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		state := filepath.Join(dir, "state")
		a := startAgent(t, agentBin, dir, "--hub", h.url, "--token", m[3], "--state-dir", state,
			"--root", fakeRoot(t, dir), "--interval", "2s", "--inventory-check", "1m", "--push=false")
		agents = append(agents, a)
		ids = append(ids, waitAgentID(t, state, a))
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
		t.Fatalf("agents registered as %v, want three agents", ids)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	connect := func() *pgx.Conn {
		db, err := pgx.Connect(ctx, s.connString("monsys"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := connect()
	reportedSince := func(at time.Time) bool {
		var n int
		_ = db.QueryRow(ctx, `SELECT count(*) FROM agents WHERE id = ANY($1::uuid[]) AND last_seen_at > $2`, ids, at).Scan(&n) // retried
		return n == len(ids)
	}
	waitUntil(t, "every agent to report", func() bool { return reportedSince(time.Time{}) })
	db.Close(ctx)

	// The hub is away for 14 s: longer than the agents' 10 s allowance and
	// than 3 missed check passes.
	h.terminate(t)
	time.Sleep(14 * time.Second)
	restarted := time.Now()
	h = s.startOn(t, port)
	h.waitHealthy(t)
	db = connect()
	defer func() { db.Close(context.WithoutCancel(ctx)) }()
	waitUntil(t, "every agent to report after the restart", func() bool { return reportedSince(restarted) })

	silentEvents := func() map[string]int {
		rows, err := db.Query(ctx, `SELECT al.agent_id::text FROM alert_events e JOIN alerts al ON al.id = e.alert_id
			WHERE al.key = 'agent_silent' AND e.state = 'firing'`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, id := range got {
			out[id]++
		}
		return out
	}
	// Wait until the hub's silent check has run past the grace and each
	// agent's allowance (its passes are in hub_liveness), all agents
	// reporting throughout.
	waitUntil(t, "check passes past the restart grace", func() bool {
		var past bool
		_ = db.QueryRow(ctx, `SELECT last_tick_at > up_since + interval '22 seconds' FROM hub_liveness`).Scan(&past) // retried
		return past
	})
	if got := silentEvents(); len(got) != 0 {
		t.Errorf("agent_silent events after the restart: %v, want none (the hub was down, not the agents)", got)
	}
	var restartAlerts int
	var summary string
	if err := db.QueryRow(ctx, `SELECT count(*), max(summary) FROM alerts WHERE key = 'hub_restarted' AND agent_id IS NULL AND source = 'system'`).Scan(&restartAlerts, &summary); err != nil {
		t.Fatal(err)
	}
	if restartAlerts != 1 || !strings.Contains(summary, "the hub was not running") {
		t.Errorf("hub_restarted alerts: %d, summary %q; want one saying the hub was not running", restartAlerts, summary)
	}
	t.Logf("hub_restarted: %s", summary)

	// Agent c stops for good: flagged once, after its allowance.
	stopped := agents[2]
	if err := stopped.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-stopped.done
	waitUntil(t, "the stopped agent to be flagged", func() bool { return silentEvents()[ids[2]] > 0 })
	var tick time.Time
	if err := db.QueryRow(ctx, `SELECT last_tick_at FROM hub_liveness`).Scan(&tick); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "three more check passes", func() bool {
		var later bool
		_ = db.QueryRow(ctx, `SELECT last_tick_at > $1::timestamptz + interval '3 seconds' FROM hub_liveness`, tick).Scan(&later) // retried
		return later
	})
	if got := silentEvents(); len(got) != 1 || got[ids[2]] != 1 {
		t.Errorf("agent_silent events %v, want one, on the stopped agent %s", got, ids[2])
	}
	for _, a := range agents[:2] {
		_ = a.cmd.Process.Signal(syscall.SIGTERM) // stopped by the cleanup if this fails
		<-a.done
	}
	h.terminate(t)
}
