package main_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/agent/inventory"
	"github.com/monsys/monsys/bench/load"
	"github.com/monsys/monsys/internal/pglocal"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/wire"
)

// dashboardSite is a hub with a small fleet for the browser tests: three
// agents with two days of host metrics (straight into storage, then rolled
// up), governance, an open alert, and an invitation waiting in the log.
type dashboardSite struct {
	site   *site
	hub    *hub
	owner  *client
	agents map[string]agent // by hostname
	keys   map[string]ed25519.PrivateKey
	// inviteLink is the accept-invite link mailed to viewerEmail.
	inviteLink string
}

const (
	viewerEmail    = "viewer@e2e.test"
	viewerPassword = "viewer password long enough"
	historyDays    = 2
)

var fleetHosts = []struct {
	name, env string
	tags      []string
}{
	{"web-01", "production", []string{"web", "eu"}},
	{"web-02", "production", []string{"web"}},
	{"db-01", "staging", []string{"db"}},
}

// newDashboardSite starts a hub twice: the first run makes the people and
// agents through the API; between the runs the agents' history is written
// into the database and rolled up, as if the hub had been ingesting for
// days; the second run serves the browser.
func newDashboardSite(t *testing.T) *dashboardSite {
	t.Helper()
	bin := buildHub(t)
	port := freePort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	// The hub restarts once after seeding: a check interval of an hour
	// keeps that from counting as an outage (hub_restarted) in the pages.
	osvDir, err := filepath.Abs("../../vuln/testdata/osv")
	if err != nil {
		t.Fatal(err)
	}
	// The vulnerabilities page reads the OSV subset, matched every second;
	// CVE alerts stay off so the alert pages keep their one alert. Loopback
	// is allowed so that a notification channel can reach the test's own
	// ntfy stand-in.
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword, "MONSYS_PUBLIC_URL="+url,
		"MONSYS_SILENT_CHECK_INTERVAL=1h", "MONSYS_CVE_DIR="+osvDir, "MONSYS_CVE_MATCH_INTERVAL=1s", "MONSYS_CVE_ALERT_SEVERITY=none",
		"MONSYS_WEBHOOK_ALLOW_CIDRS=127.0.0.1/32")
	d := &dashboardSite{site: s, agents: map[string]agent{}, keys: map[string]ed25519.PrivateKey{}}

	h := s.startOn(t, port)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	c.dropDefaultRules(t)
	var tok struct{ Token string }
	c.call(t, http.MethodPost, "/api/v1/enrollment-tokens", "", map[string]string{"name": "browser tests"}, http.StatusCreated, &tok)
	for _, fh := range fleetHosts {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		a := c.registerKey(t, tok.Token, "machine-"+fh.name, fh.name, pub, http.StatusCreated)
		d.agents[fh.name] = a
		d.keys[fh.name] = priv
		// A 5-minute heartbeat interval keeps the agents online for the
		// test (15 minutes) and lets interval=auto read the seeded minutes
		// (it never picks buckets finer than the agent reports).
		c.call(t, http.MethodPost, "/api/v1/agents/"+a.ID+"/heartbeat", a.Token,
			map[string]any{"uptime_s": 86400 * 3, "agent_version": "0.0.0-e2e", "interval_s": 300}, http.StatusOK, nil)
		c.call(t, http.MethodPut, "/api/v1/agents/"+a.ID+"/governance", "", map[string]any{
			"owner": "ops", "environment": fh.env, "criticality": "high", "data_classification": "internal",
			"tags": fh.tags, "maintenance_windows": []any{}}, http.StatusOK, nil)
		if fh.name == "web-01" {
			ingestAlert(t, h, a, priv, "disk_full:/var", "critical", "/var is 97% full")
			// Packages (with minimal host facts) first: the full host facts
			// sent after them are the latest host inventory.
			ingestPackages(t, h, a, priv, fh.name, "debian", "12.7", "dpkg", "../../api/testdata/cve/dpkg-status")
			ingestHostFacts(t, h, a, priv, webHostFacts)
		}
		if fh.name == "db-01" {
			ingestPackages(t, h, a, priv, fh.name, "rocky", "9.3", "rpm", "../../api/testdata/cve/rpm-qa.txt")
			ingestDecoyTouches(t, h, a, priv)
		}
	}
	c.call(t, http.MethodPost, "/api/v1/invitations", "", map[string]any{"email": viewerEmail, "role": "viewer"}, http.StatusCreated, nil)
	d.inviteLink = waitMailLink(t, h, viewerEmail, "/accept-invite")
	h.terminate(t)

	seedHistory(t, s, d)

	d.hub = s.startOn(t, port)
	d.hub.waitHealthy(t)
	d.owner = d.hub.client()
	d.owner.login(t, ownerEmail, ownerPassword)
	return d
}

// ingestAlert sends a signed batch that raises an alert on the agent.
// ingestDecoyTouches sends what a scanner touching two honeypot ports of
// the agent looks like.
func ingestDecoyTouches(t *testing.T, h *hub, a agent, priv ed25519.PrivateKey) {
	t.Helper()
	now := time.Now().UnixMilli()
	touch := func(port int, first string) map[string]any {
		return map[string]any{"kind": "honeypot", "at": now, "proto": "tcp", "port": port, "source_ip": "203.0.113.7",
			"source_port": 51000 + port, "first_bytes": first}
	}
	body, err := json.Marshal(map[string]any{"batch_id": uuid.NewString(),
		"security_events": []any{touch(2222, `"SSH-2.0-libssh_0.9.6\r\n"`), touch(23, `"root\r\n"`)}})
	if err != nil {
		t.Fatal(err)
	}
	if status := signedIngest(t, h, a, priv, body); status != http.StatusOK {
		t.Fatalf("ingest decoy events = %d, want 200", status)
	}
}

func ingestAlert(t *testing.T, h *hub, a agent, priv ed25519.PrivateKey, key, severity, summary string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"batch_id": uuid.NewString(),
		"alerts": []map[string]string{{"key": key, "severity": severity, "summary": summary, "state": "firing"}}})
	if err != nil {
		t.Fatal(err)
	}
	if status := signedIngest(t, h, a, priv, body); status != http.StatusOK {
		t.Fatalf("ingest alert = %d, want 200", status)
	}
}

// webHostFacts is web-01's host inventory, which the host page shows in
// its header.
var webHostFacts = wire.HostInfo{Hostname: "web-01", OS: "linux", Platform: "debian", PlatformVersion: "12.7",
	KernelVersion: "6.1.0-28-amd64", Arch: "amd64", CPUModel: "AMD EPYC 7543 32-Core Processor", CPUCores: 4,
	MemoryBytes: 16 << 30, Virtualization: "kvm", BootTime: 1764900000, MachineID: "machine-web-01",
	Addresses: []string{"10.0.0.11", "2001:db8::11"}}

// ingestHostFacts sends the agent's host inventory part, as the agent does
// at its start.
func ingestHostFacts(t *testing.T, h *hub, a agent, priv ed25519.PrivateKey, facts wire.HostInfo) {
	t.Helper()
	item, err := json.Marshal(facts)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(wire.Batch{BatchID: uuid.NewString(),
		Inventory: []wire.InventoryPart{{Kind: wire.KindHost, CollectedAt: time.Now().UnixMilli(), Items: item}}})
	if err != nil {
		t.Fatal(err)
	}
	if status := signedIngest(t, h, a, priv, body); status != http.StatusOK {
		t.Fatalf("ingest host facts = %d, want 200", status)
	}
}

// ingestContainers sends, as the agent, three samples 5 minutes apart (the
// agents' interval) of two containers' CPU counters and memory, so the
// host page has a rate to show: web uses 10 % of a core, db 50 %.
func ingestContainers(t *testing.T, h *hub, a agent, priv ed25519.PrivateKey) {
	t.Helper()
	now := time.Now()
	var ms []wire.Metric
	for _, c := range []struct {
		name, image string
		cpuPer5m    float64
		memory      float64
	}{{"web", "nginx:1.27", 30, 256 << 20}, {"db", "postgres:16", 150, 1 << 30}} {
		labels := map[string]string{"container": c.name, "image": c.image}
		var cpu, mem []wire.Sample
		for i := range 3 {
			at := now.Add(time.Duration(i-2) * 5 * time.Minute).UnixMilli()
			cpu = append(cpu, wire.Sample{TimeMs: at, Value: 1000 + c.cpuPer5m*float64(i)})
			mem = append(mem, wire.Sample{TimeMs: at, Value: c.memory})
		}
		ms = append(ms, wire.Metric{Name: "container_cpu_seconds_total", Labels: labels, Samples: cpu},
			wire.Metric{Name: "container_memory_bytes", Labels: labels, Samples: mem})
	}
	body, err := json.Marshal(wire.Batch{BatchID: uuid.NewString(), Metrics: ms})
	if err != nil {
		t.Fatal(err)
	}
	if status := signedIngest(t, h, a, priv, body); status != http.StatusOK {
		t.Fatalf("ingest container series = %d, want 200", status)
	}
}

// ingestPackages sends the host facts and a package list read from a
// fixture of a real machine by the agent's own parser.
func ingestPackages(t *testing.T, h *hub, a agent, priv ed25519.PrivateKey, hostname, platform, version, manager, fixture string) {
	t.Helper()
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pkgs, err := inventory.ParsePackages(manager, f)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := json.Marshal(wire.HostInfo{Hostname: hostname, OS: "linux", Platform: platform, PlatformVersion: version, Arch: "amd64"})
	items, _ := json.Marshal(pkgs)
	now := time.Now().UnixMilli()
	body, err := json.Marshal(map[string]any{"batch_id": uuid.NewString(), "inventory": []wire.InventoryPart{
		{Kind: wire.KindHost, Items: host, CollectedAt: now}, {Kind: wire.KindPackages, Items: items, CollectedAt: now}}})
	if err != nil {
		t.Fatal(err)
	}
	if status := signedIngest(t, h, a, priv, body); status != http.StatusOK {
		t.Fatalf("ingest packages = %d, want 200", status)
	}
}

// signedIngest posts a JSON batch as the agent, signed with its pinned
// key, and returns the status.
func signedIngest(t *testing.T, h *hub, a agent, priv ed25519.PrivateKey, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.url+"/api/v1/ingest", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts, sig := wire.Sign(priv, wire.PurposeIngest, a.ID, time.Now(), body)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	resp, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // the status is all the caller needs
	return resp.StatusCode
}

var mailLink = regexp.MustCompile(`https?://[^\s"]+\?token=[A-Za-z0-9_-]+`)

// waitMailLink waits for the hub to log (no SMTP) a mail to addr and
// returns the link in it whose path is path.
func waitMailLink(t *testing.T, h *hub, addr, path string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for _, line := range bytes.Split([]byte(h.Stderr(t)), []byte("\n")) {
			var rec struct{ Msg, To, Body string }
			if json.Unmarshal(line, &rec) != nil || rec.To != addr {
				continue
			}
			for _, link := range mailLink.FindAllString(rec.Body, -1) {
				if bytes.Contains([]byte(link), []byte(path+"?")) {
					return link
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no mail to %s with a %s link in the hub's log within a minute", addr, path)
	return ""
}

// seedHistory writes historyDays of host metrics for every agent up to now
// and rolls them up, with the hub stopped; the rollup watermarks are
// cleared first so the catch-up covers the written range.
func seedHistory(t *testing.T, s *site, d *dashboardSite) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The hub is stopped, and with it its embedded PostgreSQL: a one-shot
	// command starts the cluster and leaves it to this test to reach.
	stopCluster := startClusterFor(t, s)
	defer stopCluster()
	pool, err := pgxpool.New(ctx, s.connString("monsys"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var tenant uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT id FROM tenants WHERE slug = 'default'`).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	ids := make([]uuid.UUID, 0, len(fleetHosts))
	for _, fh := range fleetHosts {
		ids = append(ids, uuid.MustParse(d.agents[fh.name].ID))
	}
	now := time.Now()
	if _, err := load.HostMetrics(ctx, pool, tenant, ids, now.Add(-historyDays*24*time.Hour), now, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM rollup_watermarks`); err != nil {
		t.Fatal(err)
	}
	if _, err := load.CatchUp(ctx, pool, tsdb.Postgres, now.Truncate(time.Minute), historyDays+1); err != nil {
		t.Fatal(err)
	}
}

// startClusterFor starts the site's embedded PostgreSQL while no hub runs
// and returns the function that stops it again.
func startClusterFor(t *testing.T, s *site) func() {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliWithin)
	defer cancel()
	cl, err := pglocal.Open(ctx, pglocal.Options{Dir: s.clusterDir()})
	if err != nil {
		t.Fatalf("start the site's cluster: %v", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), cliWithin)
		defer cancel()
		if err := cl.Close(ctx); err != nil {
			t.Errorf("stop the site's cluster: %v", err)
		}
	}
}
