package api

import (
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// TestHostFactsWherePeopleLook: the agent's host inventory shows on GET
// /agents/:id, in the agent list and at /agents/:id/inventory/host; the
// list narrows by OS name (registered or from the host inventory), tag and
// environment; an agent that never sent its host has none.
func TestHostFactsWherePeopleLook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer, admin := e.session(fx, auth.RoleViewer), e.session(fx, auth.RoleAdmin)
	web, db, bare := e.pinnedAgent(fx.Tenant.ID, "web-1"), e.pinnedAgent(fx.Tenant.ID, "db-1"), e.pinnedAgent(fx.Tenant.ID, "new-1")
	boot := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	e.sendInventory(web, time.Now(), part(t, wire.KindHost, wire.HostInfo{Hostname: "web-1", OS: "linux", Platform: "ubuntu",
		PlatformVersion: "24.04", KernelVersion: "6.8.0-45-generic", Arch: "amd64", CPUModel: "AMD EPYC 7B13", CPUCores: 8,
		MemoryBytes: 16 << 30, Virtualization: "kvm", BootTime: boot.Unix(), Addresses: []string{"192.0.2.10", "2001:db8::10"}}))
	e.sendInventory(db, time.Now(), part(t, wire.KindHost, wire.HostInfo{Hostname: "db-1", OS: "linux", Platform: "debian",
		PlatformVersion: "12.7", Arch: "arm64", CPUCores: 4, MemoryBytes: 8 << 30}))
	for id, env := range map[string]string{web.ID.String(): "production", db.ID.String(): "staging"} {
		e.do("PUT", "/api/v1/agents/"+id+"/governance", admin, map[string]any{"environment": env, "tags": []string{"linux-" + env}}).
			want(t, http.StatusOK, nil)
	}

	var one agentReply
	e.do("GET", "/api/v1/agents/"+web.ID.String(), viewer, nil).want(t, http.StatusOK, &one)
	h := one.Host
	if h == nil || h.OSName != "ubuntu" || h.OSVersion != "24.04" || h.Kernel != "6.8.0-45-generic" || h.CPUModel != "AMD EPYC 7B13" ||
		h.CPUCores != 8 || h.MemoryBytes != 16<<30 || h.Virtualization != "kvm" || h.BootedAt == nil || !h.BootedAt.Equal(boot) ||
		len(h.Addresses) != 2 || h.Addresses[0] != "192.0.2.10" {
		t.Errorf("GET /agents/:id host = %+v", h)
	}
	var hi hostInventoryReply
	e.do("GET", "/api/v1/agents/"+db.ID.String()+"/inventory/host", viewer, nil).want(t, http.StatusOK, &hi)
	if hi.Kind != "host" || hi.CollectedAt == nil || hi.Host == nil || hi.Host.OSName != "debian" || hi.Host.Arch != "arm64" {
		t.Errorf("GET /agents/:id/inventory/host = %+v", hi)
	}
	e.do("GET", "/api/v1/agents/"+bare.ID.String()+"/inventory/host", viewer, nil).want(t, http.StatusOK, &hi)
	if hi.CollectedAt != nil || hi.Host != nil {
		t.Errorf("an agent that never sent its host: %+v", hi)
	}
	other := e.newTenant("other")
	e.do("GET", "/api/v1/agents/"+web.ID.String()+"/inventory/host", e.session(other, auth.RoleViewer), nil).wantProblem(t, http.StatusNotFound)

	var list page[agentReply]
	e.do("GET", "/api/v1/agents", viewer, nil).want(t, http.StatusOK, &list)
	withHost := 0
	for _, a := range list.Items {
		if a.Host != nil {
			withHost++
		}
	}
	if len(list.Items) != 3 || withHost != 2 {
		t.Errorf("agent list: %d agents, %d with host facts; want 3 and 2", len(list.Items), withHost)
	}
	for q, want := range map[string][]string{
		"os=Ubuntu":                        {"web-1"},
		"os=linux":                         {},
		"environment=staging":              {"db-1"},
		"environment=production":           {"web-1"},
		"tag=linux-staging":                {"db-1"},
		"os=debian&environment=production": {},
	} {
		v, _ := url.ParseQuery(q)
		got := hostnames(e.listAgents(viewer, v).Items)
		sort.Strings(got)
		if len(got) != len(want) || (len(want) > 0 && got[0] != want[0]) {
			t.Errorf("?%s = %q, want %q", q, got, want)
		}
	}
	e.do("GET", "/api/v1/agents?environment=prod", viewer, nil).wantProblem(t, http.StatusBadRequest)
}
