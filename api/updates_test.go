package api

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/monsys/monsys/agent/inventory"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// TestPendingUpdatesFromTheAgentsCollectors: the agent's collectors read a
// Debian root (dpkg status, apt lists with a -security suite); its parts
// go through signed /ingest; the updates route and the agents list
// answer them.
func TestPendingUpdatesFromTheAgentsCollectors(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer := e.session(fx, auth.RoleViewer)
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	quiet := e.pinnedAgent(fx.Tenant.ID, "web-2")
	parts := inventory.NewRunner(inventory.Source{Root: "../agent/inventory/testdata/updates/debian"}, time.Hour,
		slog.New(slog.DiscardHandler)).Collect(context.Background(), time.Now())
	e.sendInventory(a, time.Now(), parts...)

	var all, sec inventoryPage[wire.Update]
	e.do("GET", "/api/v1/agents/"+a.ID.String()+"/updates", viewer, nil).want(t, http.StatusOK, &all)
	if len(all.Items) != 3 || all.CollectedAt == nil {
		t.Fatalf("updates %+v", all)
	}
	e.do("GET", "/api/v1/agents/"+a.ID.String()+"/updates?security=true", viewer, nil).want(t, http.StatusOK, &sec)
	if len(sec.Items) != 1 || sec.Items[0].Name != "libcurl4" || sec.Items[0].Available != "7.88.1-10+deb12u8" {
		t.Errorf("security updates %+v", sec.Items)
	}
	var agents page[agentReply]
	e.do("GET", "/api/v1/agents", viewer, nil).want(t, http.StatusOK, &agents)
	for _, ag := range agents.Items {
		switch ag.ID {
		case a.ID:
			if ag.Updates == nil || *ag.Updates != 3 || ag.SecurityUpdates == nil || *ag.SecurityUpdates != 1 {
				t.Errorf("web-1 counts %v %v", ag.Updates, ag.SecurityUpdates)
			}
		case quiet.ID:
			if ag.Updates != nil || ag.SecurityUpdates != nil {
				t.Errorf("an agent that never reported updates has counts %v %v", *ag.Updates, *ag.SecurityUpdates)
			}
		}
	}
}
