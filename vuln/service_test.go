package vuln_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/vuln"
	"github.com/monsys/monsys/wire"
)

// world is one test's database: a tenant, a store, a clock and the
// service over them.
type world struct {
	t      *testing.T
	pool   *pgxpool.Pool
	st     *store.Store
	svc    *vuln.Service
	tenant uuid.UUID
	owner  uuid.UUID
	clock  *atomic.Int64 // unix nanoseconds
}

func newWorld(t *testing.T) *world {
	pool := db.New(t)
	st := store.New(pool)
	b, err := st.CreateTenantWithOwner(context.Background(), "Tenant", "t1", "owner@t1.test",
		"$argon2id$v=19$m=32768,t=2,p=1$c2FsdA$a2V5")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, pool: pool, st: st, tenant: b.Tenant.ID, owner: b.Owner.ID, clock: &atomic.Int64{}}
	w.clock.Store(time.Now().UnixNano())
	w.svc = vuln.New(pool, st, vuln.Config{Now: func() time.Time { return time.Unix(0, w.clock.Load()) }},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	return w
}

// agent makes an agent and sends its host and packages inventory through
// the store's agent-report path, as an ingest flush does.
func (w *world) agent(host string, info wire.HostInfo, pkgs []wire.Package) uuid.UUID {
	w.t.Helper()
	id := uuid.Must(uuid.NewV7())
	if _, err := w.pool.Exec(context.Background(), `INSERT INTO agents (id, tenant_id, machine_id, hostname) VALUES ($1, $2, $3, $4)`,
		id, w.tenant, "m-"+host, host); err != nil {
		w.t.Fatal(err)
	}
	w.report(id, info, pkgs)
	return id
}

func (w *world) report(id uuid.UUID, info wire.HostInfo, pkgs []wire.Package) {
	w.t.Helper()
	hostJSON, _ := json.Marshal(info)
	pkgJSON, _ := json.Marshal(pkgs)
	err := pgx.BeginFunc(context.Background(), w.pool, func(tx pgx.Tx) error {
		return w.st.RecordAgentReports(context.Background(), tx, []store.AgentReport{{TenantID: w.tenant, AgentID: id,
			Inventory: []wire.InventoryPart{{Kind: wire.KindHost, Items: hostJSON, CollectedAt: time.Now().UnixMilli()},
				{Kind: wire.KindPackages, Items: pkgJSON, CollectedAt: time.Now().UnixMilli()}}}})
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) rematch() int {
	w.t.Helper()
	n, err := w.svc.RematchDue(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) list(f vuln.Filter) map[string]vuln.Group {
	w.t.Helper()
	if f.Limit == 0 {
		f.Limit = 100
	}
	gs, err := w.svc.List(context.Background(), w.tenant, f)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]vuln.Group{}
	for _, g := range gs {
		out[g.CVE+" "+g.Package] = g
	}
	return out
}

func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

var bookworm = wire.HostInfo{Hostname: "web-1", OS: "linux", Platform: "debian", PlatformVersion: "12.7"}

func bookwormPackages(curl string) []wire.Package {
	return []wire.Package{
		{Name: "libssl3", Version: "3.0.11-1~deb12u2", Arch: "amd64", Manager: "dpkg", Source: "openssl"},
		{Name: "libc6", Version: "2.36-9+deb12u4", Arch: "amd64", Manager: "dpkg", Source: "glibc"},
		{Name: "openssh-server", Version: "1:9.2p1-2+deb12u2", Arch: "amd64", Manager: "dpkg", Source: "openssh"},
		{Name: "libcurl4", Version: curl, Arch: "amd64", Manager: "dpkg", Source: "curl"},
		{Name: "bash", Version: "5.2.15-2+b7", Arch: "amd64", Manager: "dpkg"},
	}
}

func TestImportIsIncrementalAndRefusesACorruptFileWhole(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	res, err := w.svc.Import(ctx, "testdata/osv")
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 7 || res.Changed != 7 || res.Unchanged != 0 || res.Generation != 1 {
		t.Fatalf("first import = %+v", res)
	}
	again, err := w.svc.Import(ctx, "testdata/osv")
	if err != nil || again.Changed != 0 || again.Unchanged != 7 || again.Generation != 1 {
		t.Fatalf("second import = %+v, %v; want all unchanged, same generation", again, err)
	}

	// A zip of the same records with one modified and one broken file.
	dir, err := os.MkdirTemp("", "osv")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	zipPath := filepath.Join(dir, "all.zip")
	writeZip(t, zipPath, map[string]string{
		"DEBIAN-CVE-2023-4911.json": strings.Replace(readFile(t, "testdata/osv/DEBIAN-CVE-2023-4911.json"), "2024-09-18T03:21:48Z", "2024-10-01T00:00:00Z", 1),
		"DEBIAN-CVE-2099-0001.json": `{"id": "DEBIAN-CVE-2099-0001", "modified": "yesterday", "affected": []}`,
	})
	_, err = w.svc.Import(ctx, zipPath)
	var ie *vuln.ImportError
	if !errors.As(err, &ie) || !strings.HasSuffix(ie.File, "all.zip:DEBIAN-CVE-2099-0001.json") || ie.Record != "DEBIAN-CVE-2099-0001" ||
		!errors.Is(err, vuln.ErrInvalidRecord) {
		t.Fatalf("corrupt zip: %v", err)
	}
	if n := w.count(`SELECT count(*) FROM vuln_records WHERE modified = '2024-10-01T00:00:00Z'`); n != 0 {
		t.Errorf("a refused import wrote %d records", n)
	}
	if n := w.count(`SELECT count(*) FROM vuln_records`); n != 7 {
		t.Errorf("records after a refused import = %d, want the 7 imported before", n)
	}

	writeZip(t, zipPath, map[string]string{
		"DEBIAN-CVE-2023-4911.json": strings.Replace(readFile(t, "testdata/osv/DEBIAN-CVE-2023-4911.json"), "2024-09-18T03:21:48Z", "2024-10-01T00:00:00Z", 1),
	})
	res, err = w.svc.Import(ctx, zipPath)
	if err != nil || res.Changed != 1 || res.Generation != 2 {
		t.Fatalf("zip import = %+v, %v; want 1 changed record, generation 2", res, err)
	}
	if n := w.count(`SELECT count(*) FROM vuln_affected WHERE record_id = 'DEBIAN-CVE-2023-4911'`); n != 1 {
		t.Errorf("changed record has %d affected rows, want 1 (replaced, not added)", n)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range files {
		fw, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(fw, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFindingsExceptionsAndAlerts is the life of a finding: matched once
// per change, listed fleet-wide, hidden by an exception until it expires,
// alerted when critical, resolved when the package is upgraded.
func TestFindingsExceptionsAndAlerts(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.svc.Import(ctx, "testdata/osv"); err != nil {
		t.Fatal(err)
	}
	web1 := w.agent("web-1", bookworm, bookwormPackages("7.88.1-10+deb12u1"))
	web2 := w.agent("web-2", bookworm, bookwormPackages("7.88.1-10+deb12u1"))
	db1 := w.agent("db-1", wire.HostInfo{Hostname: "db-1", Platform: "rocky", PlatformVersion: "9.3"},
		// Two versions of one package and arch (as rpm keeps kernels): one finding.
		[]wire.Package{{Name: "openssl-libs", Version: "1:3.0.7-24.el9", Arch: "x86_64", Manager: "rpm"},
			{Name: "openssl-libs", Version: "1:3.0.7-20.el9", Arch: "x86_64", Manager: "rpm"}})
	if n := w.rematch(); n != 3 {
		t.Fatalf("first rematch matched %d agents, want 3", n)
	}
	if n := w.rematch(); n != 0 {
		t.Fatalf("nothing changed, yet %d agents were matched again", n)
	}

	got := w.list(vuln.Filter{})
	curl, ok := got["CVE-2023-38545 libcurl4"]
	if !ok || curl.Severity != "critical" || curl.Agents != 2 || curl.Fixed[0] != "7.88.1-10+deb12u4" || curl.SourcePackage != "curl" {
		t.Fatalf("curl = %+v, %v", curl, ok)
	}
	if _, ok := got["CVE-2023-5678 libssl3"]; ok {
		t.Error("the backported openssl fix is reported")
	}
	if _, ok := got["CVE-2023-4911 libc6"]; ok {
		t.Error("the fixed glibc is reported")
	}
	if g := got["CVE-2023-5678 openssl-libs"]; g.Agents != 1 || g.Severity != "medium" {
		t.Errorf("rocky openssl-libs = %+v", g)
	}
	if len(got) != 3 {
		t.Errorf("groups = %v, want curl, openssh and openssl-libs", keys(got))
	}
	// Pages: one group at a time, in severity order, none twice.
	var order []string
	f := vuln.Filter{Limit: 1}
	for range 5 {
		gs, err := w.svc.List(ctx, w.tenant, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) == 0 {
			break
		}
		order = append(order, gs[0].CVE)
		c := vuln.CursorOf(gs[0])
		f.After = &c
	}
	if strings.Join(order, ",") != "CVE-2023-38545,CVE-2024-6387,CVE-2023-5678" {
		t.Errorf("page order = %v", order)
	}
	yes := true
	if g := w.list(vuln.Filter{Severities: []string{"high"}, Fixed: &yes, Q: "sshd"}); len(g) != 1 || g["CVE-2024-6387 openssh-server"].Agents != 2 {
		t.Errorf("high, fixed, q=sshd = %v", g)
	}
	if g := w.list(vuln.Filter{AgentID: &db1}); len(g) != 1 {
		t.Errorf("db-1's findings = %v", keys(g))
	}

	// The critical curl CVE raised one alert per agent; medium and high did not.
	if n := w.count(`SELECT count(*) FROM alerts WHERE source = 'cve' AND state = 'firing' AND key = 'cve:CVE-2023-38545'`); n != 2 {
		t.Errorf("critical alerts firing = %d, want 2 (web-1, web-2)", n)
	}
	if n := w.count(`SELECT count(*) FROM alerts WHERE source = 'cve'`); n != 2 {
		t.Errorf("cve alerts = %d, want only the critical ones", n)
	}
	if n := w.count(`SELECT count(*) FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.source = 'cve'`); n != 2 {
		t.Errorf("cve alert events = %d: webhooks fan out from these", n)
	}

	// An exception for web-1 hides its curl finding until it expires.
	ev := audit.Event{TenantID: w.tenant.String(), ActorType: audit.ActorUser, ActorID: w.owner.String()}
	exc, err := w.svc.CreateException(ctx, w.tenant, vuln.Exception{CVE: "CVE-2023-38545", Package: "libcurl4", AgentID: &web1,
		Reason: "SOCKS5 proxy unused; upgrade scheduled", ExpiresAt: time.Unix(0, w.clock.Load()).Add(24 * time.Hour), CreatedBy: &w.owner}, ev)
	if err != nil {
		t.Fatal(err)
	}
	if g := w.list(vuln.Filter{CVE: "CVE-2023-38545"})["CVE-2023-38545 libcurl4"]; g.Agents != 1 {
		t.Errorf("with web-1 excepted, curl agents = %d, want 1", g.Agents)
	}
	if n := w.count(`SELECT count(*) FROM audit_log WHERE event_type = 'vuln_exception_created' AND target_id = $1`, exc.ID.String()); n != 1 {
		t.Errorf("exception audit rows = %d", n)
	}
	detail, err := w.svc.CVE(ctx, w.tenant, "CVE-2023-38545")
	if err != nil || len(detail.Hosts) != 2 || len(detail.Advisories) != 1 {
		t.Fatalf("detail = %+v, %v", detail, err)
	}
	for _, h := range detail.Hosts {
		if h.Hidden != (h.AgentID == web1) {
			t.Errorf("host %s hidden = %v", h.Hostname, h.Hidden)
		}
	}
	w.clock.Add(int64(25 * time.Hour))
	if g := w.list(vuln.Filter{CVE: "CVE-2023-38545"})["CVE-2023-38545 libcurl4"]; g.Agents != 2 {
		t.Errorf("after expiry, curl agents = %d, want 2", g.Agents)
	}
	if ex, err := w.svc.Exceptions(ctx, w.tenant, false, nil, 10); err != nil || len(ex) != 0 {
		t.Errorf("live exceptions after expiry = %v, %v", ex, err)
	}

	// web-2 upgrades curl: only it is matched again; its finding goes and its alert resolves.
	w.report(web2, bookworm, bookwormPackages("7.88.1-10+deb12u5"))
	if n := w.rematch(); n != 1 {
		t.Fatalf("after web-2's upgrade %d agents were matched, want 1", n)
	}
	if g := w.list(vuln.Filter{CVE: "CVE-2023-38545"})["CVE-2023-38545 libcurl4"]; g.Agents != 1 {
		t.Errorf("after upgrade, curl agents = %d, want 1", g.Agents)
	}
	if n := w.count(`SELECT count(*) FROM alerts WHERE agent_id = $1 AND key = 'cve:CVE-2023-38545' AND state = 'resolved'`, web2); n != 1 {
		t.Errorf("web-2's curl alert resolved = %d, want 1", n)
	}
	if err := w.svc.DeleteException(ctx, w.tenant, exc.ID, ev); err != nil {
		t.Fatal(err)
	}
	// A deleted agent's findings count nowhere.
	if _, err := w.pool.Exec(ctx, `UPDATE agents SET deleted_at = now() WHERE id = $1`, db1); err != nil {
		t.Fatal(err)
	}
	if g := w.list(vuln.Filter{}); len(g) != 2 {
		t.Errorf("after db-1 was deleted the list holds %v", keys(g))
	}
	if err := w.svc.DeleteException(ctx, w.tenant, exc.ID, ev); !errors.Is(err, vuln.ErrNotFound) {
		t.Errorf("deleting twice = %v, want ErrNotFound", err)
	}
}

func keys(m map[string]vuln.Group) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestWatcherImportsOnChange: the first check imports, an unchanged
// directory does nothing, a new file is imported at the next check.
func TestWatcherImportsOnChange(t *testing.T) {
	w := newWorld(t)
	dir, err := os.MkdirTemp("", "cvedir")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	copyRecord := func(name string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(readFile(t, "testdata/osv/"+name)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyRecord("DEBIAN-CVE-2023-38545.json")
	watch := vuln.NewWatcher(w.svc, dir)
	gen := func() int { return w.count(`SELECT generation::int FROM vuln_data`) }
	if err := watch.Run(context.Background()); err != nil || gen() != 1 {
		t.Fatalf("first check: %v, generation %d", err, gen())
	}
	if err := watch.Run(context.Background()); err != nil || gen() != 1 {
		t.Fatalf("unchanged check: %v, generation %d", err, gen())
	}
	copyRecord("DEBIAN-CVE-2024-6387.json")
	if err := watch.Run(context.Background()); err != nil || gen() != 2 || w.count(`SELECT count(*) FROM vuln_records`) != 2 {
		t.Fatalf("after a new file: %v, generation %d", err, gen())
	}
	// A half-written file is refused; the check after it is repaired imports.
	if err := os.WriteFile(filepath.Join(dir, "partial.json"), []byte(`{"id": "DEBIAN-CVE-2023-4911", "modif`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := watch.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "partial.json") {
		t.Fatalf("partial file: %v", err)
	}
	copyRecord("DEBIAN-CVE-2023-4911.json")
	if err := os.Remove(filepath.Join(dir, "partial.json")); err != nil {
		t.Fatal(err)
	}
	if err := watch.Run(context.Background()); err != nil || w.count(`SELECT count(*) FROM vuln_records`) != 3 {
		t.Fatalf("after repair: %v", err)
	}
}
