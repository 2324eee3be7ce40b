package main_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The end-to-end tests build the real binary and run it as a user would:
// `monsys serve` with its embedded PostgreSQL under a fresh data folder,
// the HTTP API, signals, and the one-shot CLI commands.

const (
	ownerEmail    = "owner@e2e.test"
	ownerPassword = "correct horse battery staple"
)

var (
	enrollLine  = regexp.MustCompile(`enroll an agent[^\n]*\n\s*(monsys-agent --hub (\S+) --token (mse_[0-9A-Za-z]+)\b[^\n]*)`)
	oneTimeLine = regexp.MustCompile(`one-time password: (\S+)`)
	schemaLine  = regexp.MustCompile(`(?m)^schema version: (\d+) of (\d+)$`)
	mseToken    = regexp.MustCompile(`(?m)^(mse_[0-9A-Za-z]{38})$`)
)

func TestHubEndToEnd(t *testing.T) {
	bin := buildHub(t)

	t.Run("version", func(t *testing.T) {
		s := newSite(t, bin)
		out, stderr, code := s.run(t, "version")
		if code != 0 || !strings.HasPrefix(out, "monsys ") {
			t.Errorf("monsys version: exit %d, stdout %q, stderr %q; want a line starting with \"monsys \"", code, out, stderr)
		}
	})

	t.Run("bad config names the variable", func(t *testing.T) {
		s := newSite(t, bin, "MONSYS_TSDB=bogus")
		_, stderr, code := s.run(t, "serve")
		if code == 0 || !strings.Contains(stderr, "MONSYS_TSDB") {
			t.Errorf("serve with MONSYS_TSDB=bogus: exit %d, stderr %q; want failure naming MONSYS_TSDB", code, stderr)
		}
		if _, err := os.Stat(s.dataDir); err == nil {
			t.Errorf("a refused configuration still created %s", s.dataDir)
		}
	})

	t.Run("lifecycle", func(t *testing.T) { testLifecycle(t, bin) })

	t.Run("one-time password", func(t *testing.T) {
		s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail)
		h := s.start(t)
		h.waitHealthy(t)
		m := oneTimeLine.FindStringSubmatch(h.Stdout(t))
		if m == nil {
			t.Fatalf("first start without MONSYS_ADMIN_PASSWORD printed no one-time password:\n%s", h.Stdout(t))
		}
		h.client().login(t, ownerEmail, m[1])
		h.terminate(t)
		requireNoCluster(t, s.clusterDir(), "after SIGTERM")
	})
}

// testLifecycle follows one installation through a first start, a clean
// restart, a crash and the CLI, checking that what was enrolled survives.
func testLifecycle(t *testing.T, bin string) {
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword)

	// First start on an empty data folder: initdb, migrations, first owner.
	h := s.start(t)
	fresh := h.waitHealthy(t)
	banner := h.Stdout(t)
	m := enrollLine.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("first start printed no enroll command:\n%s", banner)
	}
	bannerToken := m[3]
	if m[2] != h.url {
		t.Errorf("enroll command points at %s, want %s", m[2], h.url)
	}
	if strings.Contains(banner, "one-time password") {
		t.Errorf("a one-time password was printed although MONSYS_ADMIN_PASSWORD is set:\n%s", banner)
	}

	c := h.client()
	if status, _, body := c.do(t, http.MethodPost, "/api/v1/auth/login", "",
		map[string]string{"email": ownerEmail, "password": "not the password"}); status != http.StatusUnauthorized {
		t.Errorf("login with a wrong password = %d, want 401: %s", status, body)
	}
	c.login(t, ownerEmail, ownerPassword)
	var created struct{ Token, Command string }
	c.call(t, http.MethodPost, "/api/v1/enrollment-tokens", "", map[string]string{"name": "e2e"}, http.StatusCreated, &created)
	if !strings.HasPrefix(created.Token, "mse_") || !strings.Contains(created.Command, created.Token) {
		t.Fatalf("enrollment token answer: %+v", created)
	}
	web := c.register(t, created.Token, "machine-e2e-web", "web-1", http.StatusCreated)
	c.heartbeat(t, web)
	if got, ok := c.agents(t)[web.ID]; !ok || got.Hostname != "web-1" || got.Status != "online" {
		t.Fatalf("agent list has %+v (listed %v), want web-1 online", got, ok)
	}
	db := c.register(t, bannerToken, "machine-e2e-db", "db-1", http.StatusCreated)

	h.terminate(t)
	requireNoCluster(t, s.clusterDir(), "after SIGTERM")

	// The CLI on the stopped installation starts the cluster and stops it again.
	out, stderr, code := s.run(t, "migrate", "status")
	if v := schemaLine.FindStringSubmatch(out); code != 0 || v == nil || v[1] != v[2] || v[1] == "0" {
		t.Fatalf("migrate status: exit %d, stdout %q, stderr:\n%s\nwant \"schema version: N of N\"", code, out, stderr)
	}
	requireNoCluster(t, s.clusterDir(), "after migrate status")
	out, stderr, code = s.run(t, "token", "create", "--name", "x")
	tm := mseToken.FindStringSubmatch(out)
	if code != 0 || tm == nil {
		t.Fatalf("token create: exit %d, stdout %q, stderr:\n%s\nwant an mse_ token line", code, out, stderr)
	}
	cliToken := tm[1]
	requireNoCluster(t, s.clusterDir(), "after token create")

	// Clean restart on the same data folder.
	h = s.start(t)
	reused := h.waitHealthy(t)
	if out := h.Stdout(t); strings.Contains(out, "first start") || strings.Contains(out, "mse_") {
		t.Errorf("restart printed the first-start banner again:\n%s", out)
	}
	c = h.client()
	c.login(t, ownerEmail, ownerPassword)
	requireAgents(t, c, web, db)
	c.heartbeat(t, web)
	c.register(t, cliToken, "machine-e2e-cli", "cli-1", http.StatusCreated)

	// Crash: the hub dies without stopping its cluster, which keeps running.
	h.kill(t)
	t.Logf("after SIGKILL of the hub, %d cluster processes still run", len(clusterProcs(s.clusterDir())))
	h = s.start(t)
	afterKill := h.waitHealthy(t)
	if rec := h.logLine(t, "embedded postgresql ready"); rec != nil {
		t.Logf("restart after SIGKILL: reused_running_server=%v", rec["reused_running_server"])
	}
	c = h.client()
	c.login(t, ownerEmail, ownerPassword)
	requireAgents(t, c, web, db)
	c.heartbeat(t, web)

	// A CLI command beside the serving hub leaves the hub's database running.
	if out, stderr, code := s.run(t, "migrate", "status"); code != 0 || !schemaLine.MatchString(out) {
		t.Fatalf("migrate status beside a running hub: exit %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	c.call(t, http.MethodGet, "/api/v1/health", "", nil, http.StatusOK, nil)
	c.heartbeat(t, db)

	h.terminate(t)
	requireNoCluster(t, s.clusterDir(), "after SIGTERM of the restarted hub")
	if _, err := os.Stat(filepath.Join(s.clusterDir(), "data", "postmaster.pid")); err == nil {
		t.Errorf("postmaster.pid left behind after a clean stop")
	}

	t.Logf("startup fresh=%dms reused=%dms after_kill=%dms", fresh.Milliseconds(), reused.Milliseconds(), afterKill.Milliseconds())
}

// requireAgents checks that every agent is still listed under its id.
func requireAgents(t *testing.T, c *client, want ...agent) {
	t.Helper()
	listed := c.agents(t)
	for _, a := range want {
		if _, ok := listed[a.ID]; !ok {
			t.Fatalf("agent %s is no longer listed; listed: %v", a.ID, listed)
		}
	}
}
