package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// freshTenant creates a tenant the way the hub does, default rules and
// all (newTenant removes them), and its owner's session.
func (e *env) freshTenant(slug string) (*tenantFx, cred) {
	e.t.Helper()
	hash, err := testPasswordHash()
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := e.st.CreateTenantWithOwner(context.Background(), slug, slug, "owner@"+slug+".test", hash)
	if err != nil {
		e.t.Fatal(err)
	}
	fx := &tenantFx{Tenant: b.Tenant, Users: map[auth.Role]store.User{auth.RoleOwner: b.Owner}}
	return fx, e.session(fx, auth.RoleOwner)
}

// TestDefaultRules: a new tenant starts with the documented default rules,
// enabled; one can be disabled and another deleted, and asking for the
// defaults again brings back only the deleted one.
func TestDefaultRules(t *testing.T) {
	e := newEnv(t)
	_, owner := e.freshTenant("fresh")
	list := func() map[string]alertRuleReply {
		t.Helper()
		var pg page[alertRuleReply]
		e.do("GET", "/api/v1/alert-rules?limit=100", owner, nil).want(t, http.StatusOK, &pg)
		out := map[string]alertRuleReply{}
		for _, r := range pg.Items {
			out[r.Builtin] = r
		}
		return out
	}
	got := list()
	want := store.DefaultAlertRules()
	if len(got) != len(want) {
		t.Fatalf("a new tenant has rules %v, want the %d defaults", got, len(want))
	}
	for _, w := range want {
		r, ok := got[w.Builtin]
		if !ok || !r.Enabled || r.Scope != "fleet" || r.Metric != w.Metric || r.Agg != w.Agg {
			t.Errorf("default rule %s: %+v (listed %v)", w.Builtin, r, ok)
		}
	}
	if p := got["filesystem_full_in_24h"]; p.Agg != "predict_linear" || p.Window != "6h" || p.Predict != "24h" || p.Op != "<=" {
		t.Errorf("prediction rule %+v, want predict_linear over 6h read 24h ahead, <= 0", p)
	}
	if c := got["cpu_high"]; c.For != "15m" || c.Threshold != 0.95 || c.Match != `{cpu="all"}` {
		t.Errorf("cpu rule %+v, want >= 0.95 for 15m on cpu=all", c)
	}

	// Disable the CPU rule, delete the swap rule.
	c := got["cpu_high"]
	off := false
	th := c.Threshold
	e.do("PUT", "/api/v1/alert-rules/"+c.ID.String(), owner, alertRuleRequest{Name: c.Name, Metric: c.Metric, Match: c.Match,
		Agg: c.Agg, Op: c.Op, Threshold: &th, Window: c.Window, For: c.For, Severity: c.Severity, Scope: c.Scope, Enabled: &off}).
		want(t, http.StatusOK, nil)
	e.do("DELETE", "/api/v1/alert-rules/"+got["swap_used"].ID.String(), owner, nil).want(t, http.StatusNoContent, nil)
	var installed defaultRulesReply
	e.do("POST", "/api/v1/alert-rules/defaults", owner, nil).want(t, http.StatusOK, &installed)
	if installed.Installed != 1 {
		t.Errorf("installing the defaults again added %d rules, want 1 (the deleted one)", installed.Installed)
	}
	after := list()
	if len(after) != len(want) || after["cpu_high"].Enabled || after["cpu_high"].ID != c.ID || !after["swap_used"].Enabled {
		t.Errorf("after reinstalling: cpu_high %+v, swap_used %+v", after["cpu_high"], after["swap_used"])
	}
}

// TestFillingFilesystemPredictedBeforeFull: a filesystem losing 5 GB an
// hour (100 GB, 30 GB free) fires the prediction rule while it is 70 %
// used, four hours before the 90 % rule goes pending and then fires.
func TestFillingFilesystemPredictedBeforeFull(t *testing.T) {
	e := newEnv(t)
	fx, owner := e.freshTenant("filling")
	a := e.pinnedAgent(fx.Tenant.ID, "db-1")
	const gb = 1e9
	now := time.Now().Truncate(time.Minute)
	t0 := now.Add(-5 * time.Hour) // the first evaluation
	start := t0.Add(-6 * time.Hour)
	labels := map[string]string{"mountpoint": "/var", "device": "/dev/sdb1", "fstype": "ext4"}
	avail := wire.Metric{Name: "filesystem_avail_bytes", Labels: labels}
	used := wire.Metric{Name: "filesystem_used_ratio", Labels: labels}
	for at := start; !at.After(now); at = at.Add(time.Minute) {
		free := 60*gb - 5*gb*at.Sub(start).Hours()
		avail.Samples = append(avail.Samples, wire.Sample{TimeMs: at.UnixMilli(), Value: free})
		used.Samples = append(used.Samples, wire.Sample{TimeMs: at.UnixMilli(), Value: 1 - free/(100*gb)})
	}
	b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), Metrics: []wire.Metric{avail, used}}
	e.ingest(a, zstdBody(t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now()).want(t, http.StatusOK, nil)

	clock := t0
	ev := e.evaluator(&clock, nil)
	states := func(at time.Duration) map[string]string {
		t.Helper()
		clock = t0.Add(at)
		if err := ev.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, al := range e.ruleAlerts(owner, a.ID) {
			if al.State != "resolved" {
				out[al.Key] = al.State
			}
		}
		return out
	}
	got := states(0)
	if len(got) != 1 {
		t.Fatalf("at 70 %% used: open rule alerts %v, want only the prediction", got)
	}
	alerts := e.ruleAlerts(owner, a.ID)
	if alerts[0].State != "firing" || alerts[0].Key != "rule:"+ruleID(t, e, owner, "filesystem_full_in_24h") {
		t.Fatalf("at 70 %% used: %+v, want the prediction rule firing", alerts[0])
	}
	t.Logf("prediction: %s", alerts[0].Summary)
	states(4*time.Hour + 6*time.Minute) // 90 % crossed at +4h: the 5-minute average is over it
	states(4*time.Hour + 12*time.Minute)
	thresholdKey := "rule:" + ruleID(t, e, owner, "filesystem_used")
	var fired bool
	for _, al := range e.ruleAlerts(owner, a.ID) {
		if al.Key == thresholdKey {
			fired = al.State == "firing"
			if !alerts[0].StartedAt.Before(al.StartedAt) {
				t.Errorf("the 90 %% rule started %v, not after the prediction %v", al.StartedAt, alerts[0].StartedAt)
			}
		}
	}
	if !fired {
		t.Errorf("at +4h12m the 90 %% rule is not firing: %+v", e.ruleAlerts(owner, a.ID))
	}
}

// ruleID finds the tenant's default rule by its builtin key.
func ruleID(t *testing.T, e *env, c cred, builtin string) string {
	t.Helper()
	var pg page[alertRuleReply]
	e.do("GET", "/api/v1/alert-rules?limit=100", c, nil).want(t, http.StatusOK, &pg)
	for _, r := range pg.Items {
		if r.Builtin == builtin {
			return r.ID.String()
		}
	}
	t.Fatalf("no default rule %s", builtin)
	return ""
}
