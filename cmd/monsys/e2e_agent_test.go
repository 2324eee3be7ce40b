package main_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// buildAgent compiles cmd/monsys-agent for the test.
func buildAgent(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "monsys-agent")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../monsys-agent").CombinedOutput(); err != nil {
		t.Fatalf("go build monsys-agent: %v\n%s", err, out)
	}
	return bin
}

// agentProc is one running monsys-agent.
type agentProc struct {
	cmd    *exec.Cmd
	stderr string
	done   chan struct{}
}

// agentEnv is the test's environment without MONSYS_* variables.
func agentEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MONSYS_") {
			env = append(env, kv)
		}
	}
	return env
}

func startAgent(t *testing.T, bin, dir string, args ...string) *agentProc {
	t.Helper()
	a := &agentProc{stderr: filepath.Join(dir, "agent.stderr"), done: make(chan struct{})}
	f, err := os.Create(a.stderr)
	if err != nil {
		t.Fatal(err)
	}
	a.cmd = exec.Command(bin, args...)
	a.cmd.Env = agentEnv()
	a.cmd.Stderr = f
	err = a.cmd.Start()
	_ = f.Close() // the child has its own descriptor
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.cmd.Wait(); close(a.done) }() // exit status read from ProcessState
	t.Cleanup(func() {
		select {
		case <-a.done:
		default:
			_ = a.cmd.Process.Kill() // the test failed before stopping it
			<-a.done
		}
	})
	return a
}

func (a *agentProc) log(t *testing.T) string {
	b, err := os.ReadFile(a.stderr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAgentEndToEnd runs the real hub and the real agent: the agent
// refuses a wrong token or URL with a clear message; once enrolled, its
// metrics and inventory arrive and its push channel is up; the hub is
// stopped for several intervals (and the agent killed with SIGKILL and
// restarted meanwhile) and started again, and every interval produced
// meanwhile arrives from the spool, without a gap other than the agent's
// own downtime and without a duplicate.
func TestAgentEndToEnd(t *testing.T) {
	hubBin, agentBin := buildHub(t), buildAgent(t)
	s := newSite(t, hubBin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		"MONSYS_INGEST_BATCHES_PER_MINUTE=1200") // a 1 s interval plus catching up after the outage
	port := freePort(t)
	h := s.startOn(t, port)
	h.waitHealthy(t)
	m := enrollLine.FindStringSubmatch(h.Stdout(t))
	if m == nil {
		t.Fatalf("no enroll command in the banner:\n%s", h.Stdout(t))
	}
	token := m[3]
	dir := t.TempDir()

	// Refusals: the agent exits 1 and says what is wrong.
	for _, tc := range []struct{ name, hub, token, want string }{
		{"unknown token", h.url, "mse_" + strings.Repeat("A", 38), "token was not accepted"},
		{"not a monsys hub", h.url + "/nothing", token, "does not point at a monsys hub"},
		{"nothing listening", "http://127.0.0.1:" + strconv.Itoa(freePort(t)), token, "cannot reach the hub"},
	} {
		state := filepath.Join(dir, "refused-"+strings.ReplaceAll(tc.name, " ", "-"))
		cmd := exec.Command(agentBin, "--hub", tc.hub, "--token", tc.token, "--state-dir", state)
		cmd.Env = agentEnv()
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: exit %d, output %q; want exit 1 saying %q", tc.name, code, out, tc.want)
		}
	}

	state := filepath.Join(dir, "state")
	a := startAgent(t, agentBin, dir, "--hub", h.url, "--token", token, "--state-dir", state,
		"--interval", "1s", "--inventory-check", "2s")
	agentID := waitAgentID(t, state, a)
	for _, f := range []string{"state.json", "signing.key"} {
		if st, err := os.Stat(filepath.Join(state, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", f, err, st.Mode().Perm())
		}
	}
	if st, err := os.Stat(state); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode %v, want 0700", st.Mode().Perm())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db, err := pgx.Connect(ctx, s.connString("monsys"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	waitUntil(t, "metrics and inventory to arrive", func() bool {
		var samples, kinds, processes int
		_ = db.QueryRow(ctx, `SELECT count(*) FROM samples x JOIN series s ON s.id = x.series_id
			WHERE s.agent_id = $1 AND s.metric = 'cpu_usage_ratio'`, agentID).Scan(&samples) // retried until it answers
		_ = db.QueryRow(ctx, `SELECT count(*) FROM inventory_latest WHERE agent_id = $1
			AND kind IN ('host', 'packages', 'users', 'groups', 'sockets')`, agentID).Scan(&kinds) // retried too
		// Top processes arrive every interval and are kept latest-only.
		_ = db.QueryRow(ctx, `SELECT count(*) FROM agent_processes WHERE agent_id = $1
			AND jsonb_array_length(items) > 0`, agentID).Scan(&processes) // retried too
		return samples >= 3 && kinds == 5 && processes == 1
	})

	// The real agent holds the push WebSocket open on the real hub.
	waitUntil(t, "the push channel", func() bool {
		resp, err := h.http.Get(h.url + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body) // a short read fails the match and is retried
		return strings.Contains(string(b), "\nmonsys_push_connections 1\n")
	})

	// Outage: the hub stops, the agent spools, the hub returns on the same port.
	// Halfway through, the agent is killed (kill -9) and started again:
	// what it had spooled must survive; only its own downtime is missing.
	db.Close(ctx)
	stopped := time.Now()
	h.terminate(t)
	time.Sleep(4 * time.Second)
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.done
	killed := time.Now()
	beforeKill := spoolIDs(t, state)
	if len(beforeKill) < 3 {
		t.Errorf("after 4 s without a hub the spool holds %d batches, want at least 3", len(beforeKill))
	}
	a = startAgent(t, agentBin, dir, "--hub", h.url, "--state-dir", state, "--interval", "1s", "--inventory-check", "2s")
	agentBack := time.Now()
	time.Sleep(4 * time.Second)
	spooled := spoolFiles(t, state)
	restarted := time.Now()
	h = s.startOn(t, port)
	h.waitHealthy(t)
	waitUntil(t, "the spool to drain", func() bool { return spoolFiles(t, state) == 0 })
	time.Sleep(1500 * time.Millisecond)
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("agent still running 30 s after SIGTERM:\n%s", a.log(t))
	}
	if code := a.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("agent exited %d after SIGTERM, want 0:\n%s", code, a.log(t))
	}
	if n := spoolFiles(t, state); n > 0 {
		// The last interval may have been spooled after the drain; the hub is up, so it was sent.
		t.Logf("%d batches left in the spool at stop (sent on the next start)", n)
	}

	db, err = pgx.Connect(ctx, s.connString("monsys"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	rows, err := db.Query(ctx, `SELECT x.time FROM samples x JOIN series s ON s.id = x.series_id
		WHERE s.agent_id = $1 AND s.metric = 'load1' ORDER BY x.time`, agentID)
	if err != nil {
		t.Fatal(err)
	}
	times, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		t.Fatal(err)
	}
	if len(times) < 10 {
		t.Fatalf("only %d load1 samples stored", len(times))
	}
	gaps, dups := 0, 0
	for i := 1; i < len(times); i++ {
		d := times[i].Sub(times[i-1])
		switch {
		case d == 0:
			dups++
		case d == time.Second:
		case !times[i-1].After(killed) && !times[i].Before(agentBack.Add(-time.Second)):
			t.Logf("the agent's own downtime (killed %v, back %v): %v without samples", killed.Format(time.StampMilli), agentBack.Format(time.StampMilli), d-time.Second)
		default:
			gaps++
			t.Errorf("interval %v → %v: %v apart, want 1 s", times[i-1].Format(time.StampMilli), times[i].Format(time.StampMilli), d)
		}
	}
	var lost int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM unnest($2::uuid[]) id
		WHERE NOT EXISTS (SELECT 1 FROM ingest_batches b WHERE b.agent_id = $1 AND b.batch_id = id)`, agentID, beforeKill).Scan(&lost); err != nil {
		t.Fatal(err)
	}
	if lost > 0 {
		t.Errorf("%d of the %d batches spooled before kill -9 never reached the hub", lost, len(beforeKill))
	}
	if dups > 0 {
		t.Errorf("%d duplicate samples", dups)
	}
	if first, last := times[0], times[len(times)-1]; !first.Before(stopped) || !last.After(restarted) {
		t.Errorf("samples span %v to %v; the outage was %v to %v", first, last, stopped, restarted)
	}
	t.Logf("%d intervals stored; %d spooled before kill -9 (all delivered), %d spooled at the hub's restart; gaps %d, duplicates %d",
		len(times), len(beforeKill), spooled, gaps, dups)
	db.Close(ctx)
	h.terminate(t)
}

func waitAgentID(t *testing.T, state string, a *agentProc) string {
	t.Helper()
	var id string
	waitUntil(t, "the agent to register", func() bool {
		select {
		case <-a.done:
			t.Fatalf("agent exited early:\n%s", a.log(t))
		default:
		}
		b, err := os.ReadFile(filepath.Join(state, "state.json"))
		var st struct {
			AgentID string `json:"agent_id"`
		}
		if err == nil && json.Unmarshal(b, &st) == nil {
			id = st.AgentID
		}
		return id != ""
	})
	return id
}

// spoolIDs lists the batch ids waiting in the spool.
func spoolIDs(t *testing.T, state string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(state, "spool"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		if _, rest, ok := strings.Cut(e.Name(), "-"); ok && strings.HasSuffix(rest, ".zst") {
			ids = append(ids, strings.TrimSuffix(rest, ".zst"))
		}
	}
	return ids
}

func spoolFiles(t *testing.T, state string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(state, "spool"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".zst") {
			n++
		}
	}
	return n
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
