package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// sendInventory ingests one signed, zstd batch holding parts, as an agent
// sends it, and fails unless it is acknowledged.
func (e *env) sendInventory(a pinnedAgent, at time.Time, parts ...wire.InventoryPart) {
	e.t.Helper()
	for i := range parts {
		parts[i].CollectedAt = at.UnixMilli()
	}
	b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), Inventory: parts}
	e.ingest(a, zstdBody(e.t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now()).want(e.t, http.StatusOK, nil)
}

func part[T any](t *testing.T, kind string, items T) wire.InventoryPart {
	t.Helper()
	return wire.InventoryPart{Kind: kind, Items: mustJSON(t, items)}
}

// fleetInventory is one machine's inventory of every kind the routes serve.
func fleetInventory(t *testing.T, opensslVersion string) []wire.InventoryPart {
	return []wire.InventoryPart{
		part(t, wire.KindHost, wire.HostInfo{Hostname: "web-1", OS: "linux", Platform: "debian", PlatformVersion: "12.7", Arch: "amd64"}),
		part(t, wire.KindPackages, []wire.Package{{Name: "openssl", Version: opensslVersion, Arch: "amd64", Manager: "dpkg"},
			{Name: "nginx", Version: "1.22.1", Arch: "amd64", Manager: "dpkg"}, {Name: "bash", Version: "5.2.15", Arch: "amd64", Manager: "dpkg"}}),
		part(t, wire.KindContainers, []wire.Container{{ID: "c0ffee", Name: "redis", Image: "redis:7", State: "running"},
			{ID: "dead01", Name: "old", Image: "busybox", State: "exited"}}),
		part(t, wire.KindSystemd, []wire.SystemdUnit{{Name: "nginx.service", LoadState: "loaded", ActiveState: "active", SubState: "running"},
			{Name: "backup.service", LoadState: "loaded", ActiveState: "failed", SubState: "failed"}}),
		part(t, wire.KindUsers, []wire.User{{Name: "root", UID: 0, Shell: "/bin/bash", System: true}, {Name: "alice", UID: 1000, Shell: "/bin/bash"}}),
		part(t, wire.KindGroups, []wire.Group{{Name: "sudo", GID: 27, Members: []string{"alice"}}}),
		part(t, wire.KindSudo, []wire.SudoRule{{Principal: "%sudo", Hosts: []string{"ALL"}, Commands: []string{"ALL"}, Source: "/etc/sudoers:20"},
			{Principal: "deploy", Hosts: []string{"ALL"}, Commands: []string{"/usr/bin/systemctl"}, NoPasswd: true, Source: "/etc/sudoers.d/deploy:1"}}),
		part(t, wire.KindSSHKeys, []wire.SSHKey{{User: "alice", Type: "ssh-ed25519", Fingerprint: "SHA256:abc", File: "/home/alice/.ssh/authorized_keys"}}),
		part(t, wire.KindSockets, []wire.Socket{{Proto: "tcp", State: "LISTEN", LocalAddr: "0.0.0.0", LocalPort: 443}}),
		part(t, wire.KindBackups, []wire.BackupJob{{Tool: "restic", Name: "nightly", Source: "systemd-timer", LastStatus: "ok"}}),
		part(t, wire.KindProcesses, []wire.Process{{PID: 1, Name: "systemd", CPURatio: 0.01, RSSBytes: 10 << 20},
			{PID: 900, Name: "postgres", CPURatio: 0.2, RSSBytes: 900 << 20}, {PID: 42, Name: "nginx", CPURatio: 0.7, RSSBytes: 50 << 20}}),
	}
}

// TestInventoryThroughEveryRoute: an agent's signed batch holding every
// kind shows up in the overview and each per-kind route, with filters and
// cursor pages; processes are kept latest-only.
func TestInventoryThroughEveryRoute(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer := e.session(fx, auth.RoleViewer)
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	e.sendInventory(a, time.Now().Add(-time.Minute), fleetInventory(t, "3.0.11")...)
	base := "/api/v1/agents/" + a.ID.String()

	var overview inventoryReply
	e.do("GET", base+"/inventory", viewer, nil).want(t, http.StatusOK, &overview)
	counts := map[string]int{}
	for _, k := range overview.Kinds {
		counts[k.Kind] = k.Items
		if k.CollectedAt.IsZero() {
			t.Errorf("kind %s has no collection time", k.Kind)
		}
	}
	want := map[string]int{"host": 1, "packages": 3, "containers": 2, "systemd": 2, "users": 2, "groups": 1, "sudo": 2,
		"ssh_keys": 1, "sockets": 1, "backups": 1, "processes": 3}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("overview: kind %s has %d items, want %d (all: %v)", k, counts[k], n, counts)
		}
	}

	cases := []struct {
		path string
		want int
	}{
		{"/inventory/packages", 3}, {"/inventory/packages?q=SSL", 1}, {"/inventory/packages?manager=rpm", 0},
		{"/inventory/containers?state=running", 1}, {"/inventory/systemd?active_state=failed", 1},
		{"/inventory/users?system=false", 1}, {"/inventory/groups", 1}, {"/inventory/sudo?nopasswd=true", 1},
		{"/inventory/ssh-keys?user=alice", 1}, {"/inventory/sockets?local_port=443", 1}, {"/inventory/backups?last_status=ok", 1},
	}
	for _, c := range cases {
		var pg inventoryPage[json.RawMessage]
		e.do("GET", base+c.path, viewer, nil).want(t, http.StatusOK, &pg)
		if len(pg.Items) != c.want || pg.CollectedAt == nil {
			t.Errorf("%s: %d items (collected %v), want %d", c.path, len(pg.Items), pg.CollectedAt, c.want)
		}
	}
	var units inventoryPage[wire.SystemdUnit]
	e.do("GET", base+"/inventory/systemd?active_state=failed", viewer, nil).want(t, http.StatusOK, &units)
	if units.Items[0].Name != "backup.service" {
		t.Errorf("failed units: %+v", units.Items)
	}
	e.do("GET", base+"/inventory/users?system=maybe", viewer, nil).wantProblem(t, http.StatusBadRequest)

	// Cursor pages walk every package once, in key order.
	var seen []string
	next := ""
	for range 5 {
		var pg inventoryPage[wire.Package]
		e.do("GET", base+"/inventory/packages?limit=2&cursor="+next, viewer, nil).want(t, http.StatusOK, &pg)
		for _, p := range pg.Items {
			seen = append(seen, p.Name)
		}
		if next = pg.NextCursor; next == "" {
			break
		}
	}
	if len(seen) != 3 || seen[0] != "bash" || seen[1] != "nginx" || seen[2] != "openssl" {
		t.Errorf("paged packages %v, want bash nginx openssl", seen)
	}

	var procs processesReply
	e.do("GET", base+"/processes?sort=memory&limit=2", viewer, nil).want(t, http.StatusOK, &procs)
	if len(procs.Items) != 2 || procs.Items[0].Name != "postgres" || procs.Items[1].Name != "nginx" {
		t.Errorf("top processes by memory: %+v", procs.Items)
	}
	e.do("GET", base+"/processes", viewer, nil).want(t, http.StatusOK, &procs)
	if procs.Items[0].Name != "nginx" {
		t.Errorf("top process by cpu is %s, want nginx", procs.Items[0].Name)
	}

	// Processes arrive every interval: the next list replaces the last and
	// leaves no history rows behind.
	e.sendInventory(a, time.Now(), part(t, wire.KindProcesses, []wire.Process{{PID: 7, Name: "java", CPURatio: 1.5}}))
	e.do("GET", base+"/processes", viewer, nil).want(t, http.StatusOK, &procs)
	if len(procs.Items) != 1 || procs.Items[0].Name != "java" {
		t.Errorf("processes after the next interval: %+v", procs.Items)
	}
	var snapshots int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM inventory_snapshots WHERE agent_id = $1 AND kind = 'processes'`,
		a.ID).Scan(&snapshots); err != nil {
		t.Fatal(err)
	}
	if snapshots != 0 {
		t.Errorf("%d process snapshots kept, want none (latest only)", snapshots)
	}

	// Another tenant's agent does not exist for the caller.
	other := e.newTenant("rival")
	e.do("GET", base+"/inventory/packages", e.session(other, auth.RoleOwner), nil).wantProblem(t, http.StatusNotFound)
	e.do("GET", base+"/processes", e.session(other, auth.RoleOwner), nil).wantProblem(t, http.StatusNotFound)
}

// TestChangedPackageShowsInChangesAndSearch: an upgrade between two
// snapshots is a change keyed by package name and arch, and fleet search
// answers the new version on that agent, the old one elsewhere.
func TestChangedPackageShowsInChangesAndSearch(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer := e.session(fx, auth.RoleViewer)
	web, db := e.pinnedAgent(fx.Tenant.ID, "web-1"), e.pinnedAgent(fx.Tenant.ID, "db-1")
	t0 := time.Now().Add(-2 * time.Minute)
	e.sendInventory(web, t0, fleetInventory(t, "3.0.11")...)
	e.sendInventory(db, t0, fleetInventory(t, "3.0.11")...)
	// web-1 upgrades openssl, removes nginx, gains curl.
	e.sendInventory(web, t0.Add(time.Minute), part(t, wire.KindPackages, []wire.Package{
		{Name: "openssl", Version: "3.0.15", Arch: "amd64", Manager: "dpkg"}, {Name: "bash", Version: "5.2.15", Arch: "amd64", Manager: "dpkg"},
		{Name: "curl", Version: "7.88.1", Arch: "amd64", Manager: "dpkg"}}))

	var changes page[inventoryChangeReply]
	e.do("GET", "/api/v1/agents/"+web.ID.String()+"/inventory/changes?kind=packages&since=now-1h", viewer, nil).want(t, http.StatusOK, &changes)
	if len(changes.Items) != 1 {
		t.Fatalf("%d package changes, want 1: %s", len(changes.Items), mustJSON(t, changes))
	}
	ch := changes.Items[0]
	if len(ch.Added) != 1 || len(ch.Removed) != 1 || len(ch.Changed) != 1 {
		t.Fatalf("change %s: want 1 added, 1 removed, 1 changed", mustJSON(t, ch))
	}
	var before, after wire.Package
	_ = json.Unmarshal(ch.Changed[0].Before, &before)
	_ = json.Unmarshal(ch.Changed[0].After, &after)
	if ch.Changed[0].Key != "openssl/amd64" || before.Version != "3.0.11" || after.Version != "3.0.15" {
		t.Errorf("changed %s: want openssl/amd64 3.0.11 → 3.0.15", mustJSON(t, ch.Changed[0]))
	}
	var added, removed wire.Package
	_ = json.Unmarshal(ch.Added[0], &added)
	_ = json.Unmarshal(ch.Removed[0], &removed)
	if added.Name != "curl" || removed.Name != "nginx" {
		t.Errorf("added %s removed %s, want curl and nginx", added.Name, removed.Name)
	}
	// The first snapshot of a kind is not a change; db-1 changed nothing.
	e.do("GET", "/api/v1/agents/"+db.ID.String()+"/inventory/changes", viewer, nil).want(t, http.StatusOK, &changes)
	if len(changes.Items) != 0 {
		t.Errorf("db-1 has %d changes, want none", len(changes.Items))
	}

	search := func(q url.Values) map[string]string {
		t.Helper()
		var hits page[searchHitReply]
		e.do("GET", "/api/v1/inventory/search?"+q.Encode(), viewer, nil).want(t, http.StatusOK, &hits)
		out := map[string]string{}
		for _, h := range hits.Items {
			out[h.Hostname] = h.Version
		}
		return out
	}
	got := search(url.Values{"kind": {"packages"}, "name": {"openssl"}})
	if len(got) != 2 || got["web-1"] != "3.0.15" || got["db-1"] != "3.0.11" {
		t.Errorf("search openssl: %v", got)
	}
	if got := search(url.Values{"name": {"openssl"}, "version": {"3.0.11"}}); len(got) != 1 || got["db-1"] != "3.0.11" {
		t.Errorf("search openssl 3.0.11: %v", got)
	}
	if got := search(url.Values{"name": {"nginx"}}); len(got) != 1 || got["db-1"] == "" {
		t.Errorf("search nginx after web-1 removed it: %v", got)
	}
	if got := search(url.Values{"name": {"open"}, "match": {"prefix"}}); len(got) != 2 {
		t.Errorf("prefix search open: %v", got)
	}
	if got := search(url.Values{"kind": {"ssh_keys"}, "name": {"SHA256:abc"}}); len(got) != 2 {
		t.Errorf("search key fingerprint: %v", got)
	}
	// Pages of one hit walk both agents, with and without a version.
	for _, q := range []string{"name=openssl", "name=openssl&version=3.0.11", "name=open&match=prefix"} {
		var hosts []string
		next := ""
		for range 4 {
			var pg page[searchHitReply]
			e.do("GET", "/api/v1/inventory/search?limit=1&"+q+"&cursor="+next, viewer, nil).want(t, http.StatusOK, &pg)
			for _, h := range pg.Items {
				hosts = append(hosts, h.Hostname)
			}
			if next = pg.NextCursor; next == "" {
				break
			}
		}
		if want := map[bool]int{true: 1, false: 2}[strings.Contains(q, "version")]; len(hosts) != want {
			t.Errorf("%s: paged hosts %v, want %d", q, hosts, want)
		}
	}
	// Search is tenant-scoped.
	other := e.newTenant("rival")
	var hits page[searchHitReply]
	e.do("GET", "/api/v1/inventory/search?name=openssl", e.session(other, auth.RoleViewer), nil).want(t, http.StatusOK, &hits)
	if len(hits.Items) != 0 {
		t.Errorf("another tenant found %d openssl installs", len(hits.Items))
	}
	e.do("GET", "/api/v1/inventory/search?kind=bogus&name=x", viewer, nil).wantProblem(t, http.StatusBadRequest)
	e.do("GET", "/api/v1/inventory/search?kind=packages", viewer, nil).wantProblem(t, http.StatusBadRequest)
}

// TestMalformedInventoryIsRefusedNamingTheField: items that do not match
// their kind's schema (wrong types, nulls, overlong strings, a kind the
// hub does not know) are refused with 422 naming the part and item, so the
// agent drops the batch instead of storing nonsense (the view used to
// report every package removed); items that match, duplicates included,
// and a failed collector's part without items are stored.
func TestMalformedInventoryIsRefusedNamingTheField(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer := e.session(fx, auth.RoleViewer)
	a := e.pinnedAgent(fx.Tenant.ID, "odd-1")
	long := strings.Repeat("é", 5000) // 10 000 bytes: past the item string limit
	for field, p := range map[string]wire.InventoryPart{
		"inventory[0].items[0]":      {Kind: wire.KindPackages, Items: []byte(`[1, "two", null, [3]]`)},
		"inventory[0].items[1]":      {Kind: wire.KindPackages, Items: []byte(`[{"name":"a","version":"1"}, null]`)},
		"inventory[0].items[0].name": {Kind: wire.KindPackages, Items: []byte(`[{"name": {"nested": true}, "version": "1"}]`)},
		"inventory[0].items[0].arch": {Kind: wire.KindPackages, Items: []byte(`[{"name": "x", "version": "1", "arch": "` + long + `"}]`)},
		"inventory[0].items":         {Kind: wire.KindSystemd, Items: []byte(`{"name": "not-an-array.service"}`)},
		"inventory[0].kind":          {Kind: "custom-kind", Items: []byte(`[{"anything": 1}]`)},
	} {
		b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), Inventory: []wire.InventoryPart{p}}
		got := e.ingest(a, zstdBody(t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now()).wantProblem(t, http.StatusUnprocessableEntity)
		if !got.hasFieldError(field) {
			t.Errorf("%s: problem names %+v", field, got.Errors)
		}
	}
	e.sendInventory(a, time.Now().Add(-time.Minute),
		wire.InventoryPart{Kind: wire.KindPackages, Items: []byte(`[{"name": "openssl", "version": "3"}, {"name": "openssl", "version": "3"},
			{"name": "bash", "version": "5", "manager": "dpkg"}]`)},
		wire.InventoryPart{Kind: wire.KindContainers, Error: "docker socket not found"},
	)
	var pg inventoryPage[json.RawMessage]
	e.do("GET", "/api/v1/agents/"+a.ID.String()+"/inventory/packages?limit=500", viewer, nil).want(t, http.StatusOK, &pg)
	if len(pg.Items) != 3 {
		t.Errorf("%d package items listed, want all 3 as sent", len(pg.Items))
	}
	e.do("GET", "/api/v1/agents/"+a.ID.String()+"/inventory/containers", viewer, nil).want(t, http.StatusOK, &pg)
	if pg.Error != "docker socket not found" || len(pg.Items) != 0 {
		t.Errorf("failed collector: error %q, %d items", pg.Error, len(pg.Items))
	}
	var hits page[searchHitReply]
	e.do("GET", "/api/v1/inventory/search?name=openssl", viewer, nil).want(t, http.StatusOK, &hits)
	if len(hits.Items) != 2 {
		t.Errorf("%d openssl hits, want the 2 duplicates as sent", len(hits.Items))
	}
}
