package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/alerting"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// TestHubOutageIsNotAgentsSilence: the hub could not use its database for
// ten minutes while a fleet of agents reported every 10 s. When passes
// resume, no agent is flagged silent; each tenant gets one hub_restarted
// alert naming the gap, and a second outage refreshes it rather than
// raising another. Once the hub has been up longer than an agent's
// allowance, an agent that really stopped is flagged, once.
func TestHubOutageIsNotAgentsSilence(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acme, other := e.newTenant("acme"), e.newTenant("other")
	viewer := e.session(acme, auth.RoleViewer)
	for _, fx := range []*tenantFx{acme, other} {
		for _, h := range []string{"web-1", "web-2", "db-1"} {
			a := e.pinnedAgent(fx.Tenant.ID, h)
			b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), Heartbeat: &wire.Heartbeat{UptimeS: 60, AgentVersion: "1.0.0", IntervalS: 10}}
			e.ingest(a, zstdBody(t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now()).want(t, http.StatusOK, nil)
		}
	}
	check := alerting.NewSilent(e.st, alerting.SilentConfig{Intervals: 3, Every: 30 * time.Second, Grace: 90 * time.Second}, slog.New(slog.DiscardHandler), nil)
	run := func() {
		t.Helper()
		if err := check.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run() // the hub process starts: no outage to tell, nothing silent
	systemAlerts := func() []alertReply {
		var p page[alertReply]
		e.do("GET", "/api/v1/alerts?source=system", viewer, nil).want(t, http.StatusOK, &p)
		return p.Items
	}
	if got := systemAlerts(); len(got) != 0 {
		t.Fatalf("after the first pass of a fresh hub: %+v, want no system alert", got)
	}

	outage := func() {
		// Ten minutes without a pass, and no batch got through meanwhile.
		e.exec(`UPDATE hub_liveness SET last_tick_at = last_tick_at - interval '10 minutes', up_since = up_since - interval '1 hour'`)
		e.exec(`UPDATE agents SET last_seen_at = now() - interval '10 minutes'`)
		run()
	}
	outage()
	got := systemAlerts()
	if len(got) != 1 || got[0].Key != "hub_restarted" || got[0].AgentID != nil || got[0].State != "firing" ||
		!strings.Contains(got[0].Summary, "could not use its database") || !strings.Contains(got[0].Summary, "(10m") {
		t.Fatalf("after a database outage: system alerts %+v, want one tenant-wide hub_restarted naming the 10m gap", got)
	}
	first := got[0].ID
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM alerts WHERE key = 'hub_restarted' AND agent_id IS NULL`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("hub_restarted alerts over both tenants: %d (%v), want one per tenant", n, err)
	}
	run()
	outage()
	got = systemAlerts()
	if len(got) != 1 || got[0].ID != first {
		t.Fatalf("after a second outage: %+v, want the same single hub_restarted alert", got)
	}
	if ev := e.eventStates(first); len(ev) != 1 || ev[0] != "firing" {
		t.Errorf("hub_restarted events %v, want one firing: the second outage refreshes it", ev)
	}

	// The hub has now been up 20 minutes; web-1 has really been silent
	// since, the others report again.
	e.exec(`UPDATE hub_liveness SET up_since = now() - interval '20 minutes'`)
	e.exec(`UPDATE agents SET last_seen_at = now() WHERE hostname <> 'web-1'`)
	run()
	run()
	got = systemAlerts()
	silent := 0
	for _, a := range got {
		if a.Key == "agent_silent" {
			silent++
			if a.Hostname != "web-1" {
				t.Errorf("silent alert on %s, want only web-1", a.Hostname)
			}
		}
	}
	if silent != 1 {
		t.Errorf("acme's system alerts %+v, want one agent_silent on web-1", got)
	}
}
