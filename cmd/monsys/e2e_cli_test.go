package main_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/output"
)

// TestCLIEndToEnd runs the command line against the real hub: the built
// binary serving on its embedded PostgreSQL, a fleet sent in through the
// agent API, and every client command's table and JSON output checked
// against golden files (go test -run TestCLIEndToEnd -update rewrites them).
func TestCLIEndToEnd(t *testing.T) {
	bin := buildHub(t)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword)
	h := s.start(t)
	h.waitHealthy(t)
	f := seedFleet(t, h)
	owner := newCLIUser(t, bin)

	t.Run("login", func(t *testing.T) {
		golden(t, "login-no-hub", owner.run(t, "", nil, "agents"))
		r := owner.run(t, ownerEmail+"\n"+ownerPassword+"\n", nil, "login", "--hub", h.url)
		golden(t, "login", r)
		st, err := os.Stat(owner.configPath())
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("stored credential %s: %v, mode %v; want 0600", owner.configPath(), err, st.Mode().Perm())
		}
		golden(t, "context", owner.must(t, "context"))
	})
	t.Run("agents", func(t *testing.T) {
		golden(t, "agents", owner.must(t, "agents"))
		golden(t, "agents-json", owner.must(t, "agents", "-o", "json"))
		golden(t, "agents-yaml", owner.must(t, "agents", "-o", "yaml"))
		golden(t, "agents-tag", owner.must(t, "agents", "--tag", "web"))
		golden(t, "agents-os-status", owner.must(t, "agents", "--os", "freebsd", "--status", "pending"))
		golden(t, "agents-limit", owner.must(t, "agents", "--limit", "1"))
	})
	t.Run("agent", func(t *testing.T) {
		golden(t, "agent", owner.must(t, "agent", "web-1"))
		golden(t, "agent-json", owner.must(t, "agent", f.web.ID, "-o", "json"))
		golden(t, "agent-unknown", owner.run(t, "", nil, "agent", "nosuch-host"))
		golden(t, "agent-bad-output", owner.run(t, "", nil, "agent", "web-1", "-o", "xml"))
		golden(t, "agent-reset-key", owner.must(t, "agent", "reset-key", "db-1"))
	})
	t.Run("metrics", func(t *testing.T) {
		rng := []string{"--from", f.from.Format(time.RFC3339), "--to", f.to().Format(time.RFC3339), "--interval", "10s"}
		chart := owner.must(t, append([]string{"metrics", "web-1", "temperature_celsius"}, rng...)...)
		golden(t, "metrics-chart", chart)
		golden(t, "metrics-json", owner.must(t, append([]string{"metrics", "web-1", "temperature_celsius", "-o", "json"}, rng...)...))
		golden(t, "metrics-csv", owner.must(t, append([]string{"metrics", "db-1", "temperature_celsius", "-o", "csv", "--agg", "max"}, rng...)...))
		requireChartMatchesAPI(t, h, f, chart.stdout)
		golden(t, "metrics-bad-range", owner.run(t, "", nil, "metrics", "web-1", "temperature_celsius", "--since", "yesterday"))
	})
	t.Run("top", func(t *testing.T) {
		rng := []string{"--from", f.from.Format(time.RFC3339), "--to", f.to().Format(time.RFC3339)}
		golden(t, "top", owner.must(t, append([]string{"top", "temperature_celsius", "--agg", "max"}, rng...)...))
		golden(t, "top-json", owner.must(t, append([]string{"top", "temperature_celsius", "-o", "json"}, rng...)...))
	})
	t.Run("inventory", func(t *testing.T) {
		golden(t, "inventory", owner.must(t, "inventory", "web-1"))
		golden(t, "inventory-packages", owner.must(t, "inventory", "web-1", "packages"))
		golden(t, "inventory-packages-json", owner.must(t, "inventory", "web-1", "packages", "-o", "json", "--name", "ssl"))
		golden(t, "inventory-never", owner.must(t, "inventory", "db-1", "users"))
		golden(t, "inventory-search", owner.must(t, "inventory", "search", "openssl"))
		golden(t, "inventory-search-version-json", owner.must(t, "inventory", "search", "openssl", "--version", "3.0.9-1", "-o", "json"))
	})
	t.Run("alerts", func(t *testing.T) {
		golden(t, "alerts", owner.must(t, "alerts"))
		golden(t, "alerts-json", owner.must(t, "alerts", "--state", "firing", "-o", "json"))
		golden(t, "alerts-resolve", owner.must(t, "alerts", "resolve", f.alertID, "--note", "disk cleaned"))
		golden(t, "alerts-resolve-again", owner.run(t, "", nil, "alerts", "resolve", f.alertID))
		golden(t, "alerts-resolved", owner.must(t, "alerts", "--state", "resolved", "--host", "web-1"))
	})
	t.Run("rules", func(t *testing.T) { testCLIRules(t, owner) })
	t.Run("channels", func(t *testing.T) { testCLIChannels(t, owner) })
	t.Run("tokens", func(t *testing.T) {
		r := owner.must(t, "tokens", "create", "--name", "rack-7", "--max-uses", "3")
		golden(t, "tokens-create", r)
		token := strings.TrimSpace(strings.Split(r.stdout, "\n")[1])
		c := h.client()
		c.register(t, token, "machine-rack-7", "rack-7-1", http.StatusCreated) // the printed token enrolls
		golden(t, "tokens-create-json", owner.must(t, "tokens", "create", "--ttl", "0", "-o", "json"))
	})
	t.Run("audit", func(t *testing.T) {
		golden(t, "audit", owner.must(t, "audit", "--type", "agent_governance_updated"))
		golden(t, "audit-verify", owner.must(t, "audit", "verify"))
		golden(t, "audit-verify-json", owner.must(t, "audit", "verify", "-o", "json"))
	})
	t.Run("explain", func(t *testing.T) {
		golden(t, "explain", owner.must(t, "explain", "sshd[2211]: Failed password for root from 203.0.113.9 port 52311 ssh2"))
		r := owner.run(t, "kernel: Out of memory: Killed process 4711 (java)\n", nil, "explain", "-", "--agent", "web-1", "-o", "json")
		golden(t, "explain-stdin-json", r)
		golden(t, "explain-no-line", owner.run(t, "", nil, "explain", ""))
	})
	t.Run("consoles", func(t *testing.T) {
		golden(t, "consoles", owner.must(t, "consoles", "--state", "ended"))
		golden(t, "consoles-verify-unknown", owner.run(t, "", nil, "consoles", "verify", "01900000-0000-7000-8000-000000000000"))
	})
	t.Run("completion", func(t *testing.T) {
		r := owner.must(t, "__complete", "agent", "w")
		if !strings.HasPrefix(r.stdout, "web-1\n") || strings.Contains(r.stdout, "db-1") {
			t.Errorf("completing `agent w` = %q, want web-1 only", r.stdout)
		}
		r = owner.must(t, "__complete", "metrics", "db-1", "temp")
		if !strings.HasPrefix(r.stdout, "temperature_celsius\n") {
			t.Errorf("completing a metric of db-1 = %q, want temperature_celsius", r.stdout)
		}
		for _, shell := range []string{"bash", "zsh", "fish"} {
			if r := owner.must(t, "completion", shell); !strings.Contains(r.stdout, "__complete") {
				t.Errorf("completion %s: no script that asks monsys __complete:\n%.300s", shell, r.stdout)
			}
		}
	})
	t.Run("people", func(t *testing.T) { testCLIPeople(t, s, h, bin) })
	t.Run("logout", func(t *testing.T) { testCLILogout(t, h, owner) })
	h.terminate(t)
}

// fleet is what seedFleet sent in.
type fleet struct {
	web, db fleetAgent
	from    time.Time // the first sample
	alertID string
}

// The seed's samples: one every 10 s for 9 minutes, two hours back. Reads
// below a minute come from raw samples (which hold late data at once), and
// so does a ranking over less than 10 minutes.
const (
	sampleEvery = 10 * time.Second
	samplesSent = 54
)

// to is the end of the samples' range.
func (f fleet) to() time.Time { return f.from.Add(samplesSent * sampleEvery) }

// seedFleet enrolls web-1 (linux, tagged prod and web, with an open
// alert), db-1 (linux) and spare-1 (freebsd, never reported), and sends
// temperature samples of fixed values for web-1 and db-1 with their
// package inventories.
func seedFleet(t *testing.T, h *hub) fleet {
	t.Helper()
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	c.dropDefaultRules(t)
	var tok struct{ Token string }
	c.call(t, http.MethodPost, "/api/v1/enrollment-tokens", "", map[string]string{"name": "cli-e2e"}, http.StatusCreated, &tok)
	enroll := func(machine, host string) fleetAgent {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return fleetAgent{c.registerKey(t, tok.Token, machine, host, pub, http.StatusCreated), priv}
	}
	f := fleet{web: enroll("machine-web-1", "web-1"), db: enroll("machine-db-1", "db-1")}
	var spare agent
	c.call(t, http.MethodPost, "/api/v1/agents/register", tok.Token, map[string]string{
		"machine_id": "machine-spare-1", "hostname": "spare-1", "os": "freebsd", "arch": "arm64", "agent_version": "0.0.0-e2e",
	}, http.StatusCreated, &spare)

	// Two hours back, within one UTC day, so that the time axis shows clock times only.
	f.from = time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	if f.from.Hour() == 23 {
		f.from = f.from.Add(-time.Hour)
	}
	samples := func(value func(i int) float64) [][2]float64 {
		out := make([][2]float64, samplesSent)
		for i := range out {
			out[i] = [2]float64{float64(f.from.Add(time.Duration(i) * sampleEvery).UnixMilli()), value(i)}
		}
		return out
	}
	heartbeat := map[string]any{"uptime_s": 3600, "agent_version": "1.4.2", "interval_s": 3600}
	pkg := func(name, version string) map[string]string {
		return map[string]string{"name": name, "version": version, "arch": "amd64", "manager": "dpkg"}
	}
	h.ingest(t, f.web, map[string]any{
		"metrics": []map[string]any{{"name": "temperature_celsius", "labels": map[string]string{"sensor": "cpu"},
			"samples": samples(func(i int) float64 { return 20 + 1.5*float64(i%12) })}},
		"heartbeat": heartbeat,
		"inventory": []map[string]any{{"kind": "packages", "items": []any{pkg("openssl", "3.0.11-1"), pkg("curl", "7.88.1-10"), pkg("libssl3", "3.0.11-1")}}},
		"alerts":    []map[string]string{{"key": "disk_full:/", "severity": "critical", "summary": "/ is 97% full", "state": "firing"}},
	})
	h.ingest(t, f.db, map[string]any{
		"metrics": []map[string]any{{"name": "temperature_celsius", "labels": map[string]string{"sensor": "cpu"},
			"samples": samples(func(i int) float64 { return 50 + float64(i%2) })}},
		"heartbeat": heartbeat,
		"inventory": []map[string]any{{"kind": "packages", "items": []any{pkg("openssl", "3.0.9-1")}}},
	})
	c.call(t, http.MethodPut, "/api/v1/agents/"+f.web.ID+"/governance", "", map[string]any{
		"owner": "team-web", "environment": "production", "criticality": "high", "tags": []string{"web", "prod"},
		"maintenance_windows": []map[string]any{{"type": "weekly", "days": []string{"sat"}, "start": "22:00", "end": "02:00", "time_zone": "Europe/Berlin"}},
	}, http.StatusOK, nil)
	var alerts struct {
		Items []struct{ ID string }
	}
	c.call(t, http.MethodGet, "/api/v1/alerts?state=firing", "", nil, http.StatusOK, &alerts)
	if len(alerts.Items) != 1 {
		t.Fatalf("firing alerts after the seed: %+v, want web-1's disk alert", alerts.Items)
	}
	f.alertID = alerts.Items[0].ID
	return f
}

// requireChartMatchesAPI checks the chart of web-1's temperature against
// the API's own answer for the same range: the top of the value axis and
// the summary's max are the largest point, the bottom and the summary's
// min the smallest.
func requireChartMatchesAPI(t *testing.T, h *hub, f fleet, chart string) {
	t.Helper()
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	var m struct {
		Series []struct{ Points [][2]float64 }
	}
	path := fmt.Sprintf("/api/v1/agents/%s/metrics?metric=temperature_celsius&interval=10s&from=%d&to=%d",
		f.web.ID, f.from.Unix(), f.to().Unix())
	c.call(t, http.MethodGet, path, "", nil, http.StatusOK, &m)
	if len(m.Series) != 1 || len(m.Series[0].Points) == 0 {
		t.Fatalf("the API answered %+v for web-1's temperature", m)
	}
	lo, hi := m.Series[0].Points[0][1], m.Series[0].Points[0][1]
	for _, p := range m.Series[0].Points {
		lo, hi = min(lo, p[1]), max(hi, p[1])
	}
	minS, maxS := output.Value("temperature_celsius", lo), output.Value("temperature_celsius", hi)
	lines := strings.Split(chart, "\n")
	var axis []string
	for _, l := range lines {
		if label, _, ok := strings.Cut(l, " ┤"); ok {
			axis = append(axis, strings.TrimSpace(label))
		}
	}
	if len(axis) != 3 || axis[0] != maxS || axis[2] != minS {
		t.Errorf("value axis labels %q; the API's points go from %s to %s", axis, minS, maxS)
	}
	if want := "min " + minS + "   "; !strings.Contains(chart, want) || !strings.Contains(chart, "max "+maxS+"   ") {
		t.Errorf("summary line does not say min %s and max %s:\n%s", minS, maxS, chart)
	}
	if hi != 36.5 || lo != 20 {
		t.Errorf("the API's min and max are %v and %v; the seed sent 20 to 36.5", lo, hi)
	}
}

func testCLIRules(t *testing.T, owner *cliUser) {
	r := owner.must(t, "rules", "create", "--name", "hot cpu", "--metric", "temperature_celsius", "--match", `{sensor="cpu"}`,
		"--op", ">", "--threshold", "90", "--for", "2m", "--severity", "critical", "--host", "web-1")
	golden(t, "rules-create", r)
	file := filepath.Join(owner.home, "rule.yaml")
	if err := os.WriteFile(file, []byte("name: web fleet hot\nmetric: temperature_celsius\nagg: max\nop: '>='\n"+
		"threshold: 95\nwindow: 10m\nseverity: warning\nscope: tag\ntag: web\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	golden(t, "rules-create-file", owner.must(t, "rules", "create", "-f", "rule.yaml", "-o", "json"))
	if err := os.WriteFile(file, []byte("name: typo\nmetirc: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	golden(t, "rules-create-file-typo", owner.run(t, "", nil, "rules", "create", "-f", "rule.yaml"))
	golden(t, "rules-create-missing", owner.run(t, "", nil, "rules", "create", "--name", "x"))
	golden(t, "rules-create-invalid", owner.run(t, "", nil, "rules", "create", "--name", "x", "--metric", "temperature_celsius",
		"--op", "~", "--threshold", "1"))
	list := owner.must(t, "rules", "-o", "json")
	var rules struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(list.stdout), &rules); err != nil || len(rules.Items) != 2 {
		t.Fatalf("rules -o json: %v\n%s", err, list.stdout)
	}
	golden(t, "rules-json", list)
	id := rules.Items[0].ID
	if rules.Items[0].Name != "hot cpu" {
		id = rules.Items[1].ID
	}
	golden(t, "rules-disable", owner.must(t, "rules", "disable", id))
	golden(t, "rules", owner.must(t, "rules"))
	golden(t, "rules-enable", owner.must(t, "rules", "enable", id))
	golden(t, "rules-delete", owner.must(t, "rules", "delete", id))
	golden(t, "rules-delete-again", owner.run(t, "", nil, "rules", "delete", id))
}

// testCLIChannels adds channels (the URL from stdin never printed back),
// lists them, tests one the hub cannot send to, and removes one.
func testCLIChannels(t *testing.T, owner *cliUser) {
	add := owner.run(t, "ntfy://bot:s3cretPassw0rd@ntfy.example.org/alerts\n", nil, "channels", "add", "ops", "-", "--tag", "web", "--group", "10s")
	golden(t, "channels-add", add)
	golden(t, "channels-add-mail", owner.must(t, "channels", "add", "mail", "mailto:ops@example.org", "--severity", "critical",
		"--quiet", "22:00-07:00", "--tz", "Europe/Berlin"))
	golden(t, "channels-add-invalid", owner.run(t, "", nil, "channels", "add", "irc", "irc://irc.example.org/ops"))
	list := owner.must(t, "channels")
	golden(t, "channels", list)
	js := owner.must(t, "channels", "list", "-o", "json")
	golden(t, "channels-json", js)
	for _, r := range []cliRun{add, list, js} {
		if strings.Contains(r.stdout+r.stderr, "s3cret") {
			t.Errorf("monsys %s printed the channel's password:\n%s", strings.Join(r.args, " "), r.stdout)
		}
	}
	golden(t, "channels-test-failed", owner.run(t, "", nil, "channels", "test", "mail"))
	golden(t, "channels-rm", owner.must(t, "channels", "rm", "ops"))
	golden(t, "channels-rm-again", owner.run(t, "", nil, "channels", "rm", "ops"))
}
