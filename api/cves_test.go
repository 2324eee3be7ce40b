package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/agent/inventory"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/webhook"
	"github.com/monsys/monsys/wire"
)

// fixturePackages reads a real machine's package list through the
// agent's own parser.
func fixturePackages(t *testing.T, manager, path string) []wire.Package {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pkgs, err := inventory.ParsePackages(manager, f)
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func byCVEPackage(items []cveFindingReply) map[string]cveFindingReply {
	out := map[string]cveFindingReply{}
	for _, it := range items {
		out[it.CVE+" "+it.Package] = it
	}
	return out
}

// TestCVEsEndToEnd: a Debian 12 machine (dpkg status) and a Rocky 9 one
// (rpm -qa) send their inventories through signed /ingest; the OSV subset
// is imported and the agents matched; the findings list leaves out the
// backported and the fixed packages; an exception hides a finding until
// its expiry (the service's clock moved on); the critical findings fire
// alerts that reach a webhook.
func TestCVEsEndToEnd(t *testing.T) {
	e := newEnv(t, allowLoopback)
	fx := e.newTenant("acme")
	admin, viewer, member := e.session(fx, auth.RoleAdmin), e.session(fx, auth.RoleViewer), e.session(fx, auth.RoleMember)
	rcv := newReceiver(t, 0)
	var hook createWebhookReply
	e.do("POST", "/api/v1/webhooks", admin, createWebhookRequest{URL: rcv.srv.URL + "/hook"}).want(t, http.StatusCreated, &hook)
	rcv.setSecret(hook.Secret)

	web := e.pinnedAgent(fx.Tenant.ID, "web-1")
	db := e.pinnedAgent(fx.Tenant.ID, "db-1")
	now := time.Now()
	e.sendInventory(web, now,
		part(t, wire.KindHost, wire.HostInfo{Hostname: "web-1", OS: "linux", Platform: "debian", PlatformVersion: "12.7", Arch: "amd64"}),
		part(t, wire.KindPackages, fixturePackages(t, "dpkg", "testdata/cve/dpkg-status")))
	e.sendInventory(db, now,
		part(t, wire.KindHost, wire.HostInfo{Hostname: "db-1", OS: "linux", Platform: "rocky", PlatformVersion: "9.3", Arch: "amd64"}),
		part(t, wire.KindPackages, fixturePackages(t, "rpm", "testdata/cve/rpm-qa.txt")))
	e.importOSV()
	if n, err := e.vulns.RematchDue(context.Background()); err != nil || n != 2 {
		t.Fatalf("rematch = %d, %v; want both agents", n, err)
	}

	var list cvesReply
	e.do("GET", "/api/v1/inventory/cves?counts=true", viewer, nil).want(t, http.StatusOK, &list)
	got := byCVEPackage(list.Items)
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"CVE-2023-38545 curl", "CVE-2023-38545 libcurl4", "CVE-2023-45853 zlib1g", "CVE-2023-5678 openssl-libs", "CVE-2024-6387 openssh-server"}
	if len(keys) != len(want) {
		t.Fatalf("findings %v, want %v (no backported libssl3, no fixed libc6, no removed libssl1.1)", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("findings %v, want %v", keys, want)
		}
	}
	curl := got["CVE-2023-38545 libcurl4"]
	if curl.Severity != "critical" || curl.CVSSScore == nil || *curl.CVSSScore != 9.8 || curl.AgentsAffected != 1 ||
		len(curl.FixedVersions) != 1 || curl.FixedVersions[0] != "7.88.1-10+deb12u4" || curl.InstalledVersions[0] != "7.88.1-10+deb12u1" ||
		curl.CVSSVector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" || curl.Summary == "" {
		t.Errorf("curl finding %+v", curl)
	}
	if list.Items[0].Severity != "critical" || list.Items[len(list.Items)-1].CVE != "CVE-2023-5678" {
		t.Errorf("not ordered by severity: %+v", list.Items)
	}
	if len(list.Counts) == 0 || list.Counts[0].Severity != "critical" || list.Counts[0].CVEs != 2 || list.Counts[0].Agents != 1 {
		t.Errorf("counts %+v", list.Counts)
	}
	var unfixed cvesReply
	e.do("GET", "/api/v1/inventory/cves?fixed=false", viewer, nil).want(t, http.StatusOK, &unfixed)
	if unfixed.Counts != nil {
		t.Errorf("counts without counts=true: %+v", unfixed.Counts)
	}
	if len(unfixed.Items) != 1 || unfixed.Items[0].Package != "zlib1g" || len(unfixed.Items[0].FixedVersions) != 0 {
		t.Errorf("fixed=false: %+v", unfixed.Items)
	}
	var dbs cvesReply
	e.do("GET", "/api/v1/agents/"+db.ID.String()+"/cves", viewer, nil).want(t, http.StatusOK, &dbs)
	if len(dbs.Items) != 1 || dbs.Items[0].Package != "openssl-libs" || dbs.Items[0].FixedVersions[0] != "1:3.0.7-25.el9_3" {
		t.Errorf("db-1's findings %+v", dbs.Items)
	}
	e.do("GET", "/api/v1/inventory/cves?severity=urgent", viewer, nil).wantProblem(t, http.StatusBadRequest)
	e.do("GET", "/api/v1/inventory/cves/CVE-1999-0001", viewer, nil).wantProblem(t, http.StatusNotFound)
	var detail cveDetailReply
	e.do("GET", "/api/v1/inventory/cves/CVE-2023-38545", viewer, nil).want(t, http.StatusOK, &detail)
	if len(detail.Hosts) != 2 || detail.Hosts[0].Hostname != "web-1" || detail.Hosts[0].Hidden || len(detail.Advisories) != 1 {
		t.Errorf("detail %+v", detail)
	}

	// An exception for web-1's curl: members may not, admins may; it hides
	// the finding until it expires.
	req := createCVEExceptionRequest{CVE: "CVE-2023-38545", Package: "libcurl4", AgentID: &web.ID,
		Reason: "no SOCKS5 proxy in use; upgrade in the next window", ExpiresAt: now.Add(2 * time.Hour)}
	e.do("POST", "/api/v1/inventory/cves/exceptions", member, req).wantProblem(t, http.StatusForbidden)
	bad := req
	bad.Reason, bad.ExpiresAt = "", now.Add(-time.Hour)
	e.do("POST", "/api/v1/inventory/cves/exceptions", admin, bad).wantProblem(t, http.StatusUnprocessableEntity)
	var exc cveExceptionReply
	e.do("POST", "/api/v1/inventory/cves/exceptions", admin, req).want(t, http.StatusCreated, &exc)
	e.do("GET", "/api/v1/inventory/cves?cve=CVE-2023-38545", viewer, nil).want(t, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].Package != "curl" {
		t.Errorf("excepted finding still listed: %+v", list.Items)
	}
	e.do("GET", "/api/v1/inventory/cves/CVE-2023-38545", viewer, nil).want(t, http.StatusOK, &detail)
	if len(detail.Hosts) != 2 || detail.Hosts[0].Package != "curl" || detail.Hosts[0].Hidden || !detail.Hosts[1].Hidden {
		t.Errorf("detail does not flag the hidden host: %+v", detail.Hosts)
	}
	var audits page[auditReply]
	e.do("GET", "/api/v1/audit-log?type=vuln_exception_created", admin, nil).want(t, http.StatusOK, &audits)
	if len(audits.Items) != 1 {
		t.Errorf("audit rows for the exception: %d", len(audits.Items))
	}
	e.vulnNow.Add(int64(3 * time.Hour))
	e.do("GET", "/api/v1/inventory/cves?cve=CVE-2023-38545", viewer, nil).want(t, http.StatusOK, &list)
	if len(list.Items) != 2 || list.Items[1].Package != "libcurl4" {
		t.Errorf("expired exception still hides: %+v", list.Items)
	}
	var excs page[cveExceptionReply]
	e.do("GET", "/api/v1/inventory/cves/exceptions?expired=true", viewer, nil).want(t, http.StatusOK, &excs)
	if len(excs.Items) != 1 || !excs.Items[0].Expired {
		t.Errorf("exceptions %+v", excs.Items)
	}
	e.do("DELETE", "/api/v1/inventory/cves/exceptions/"+exc.ID.String(), admin, nil).want(t, http.StatusNoContent, nil)

	// The two critical findings on web-1 fired alerts, delivered signed.
	d := webhook.New(e.st, webhook.Config{Policy: webhook.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
		Schedule: []time.Duration{10 * time.Millisecond}, Timeout: 15 * time.Second, Metrics: mustWebhookMetrics(t)}, slog.New(slog.DiscardHandler))
	deliverUntil(t, d, func() bool { _, p, _ := rcv.seen(); return len(p) >= 2 })
	_, payloads, badSigs := rcv.seen()
	keysSeen := map[string]bool{}
	for _, p := range payloads {
		if p.Type != "alert.firing" || p.Data.Hostname != "web-1" || p.Data.Severity != "critical" {
			t.Errorf("payload %+v", p)
		}
		keysSeen[p.Data.Key] = true
	}
	if badSigs != 0 || len(payloads) != 2 || !keysSeen["cve:CVE-2023-38545"] || !keysSeen["cve:CVE-2023-45853"] {
		t.Errorf("webhook saw %d payloads (%v), %d bad signatures", len(payloads), keysSeen, badSigs)
	}
}

func mustWebhookMetrics(t *testing.T) *webhook.Metrics {
	t.Helper()
	m, err := webhook.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return m
}
