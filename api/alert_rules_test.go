package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/alerting"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/wire"
)

// sendCPU ingests cpu_usage_ratio{cpu="all"} samples as the agent.
func (e *env) sendCPU(a pinnedAgent, at []time.Time, v float64) {
	e.t.Helper()
	m := wire.Metric{Name: "cpu_usage_ratio", Labels: map[string]string{"cpu": "all"}}
	for _, t := range at {
		m.Samples = append(m.Samples, wire.Sample{TimeMs: t.UnixMilli(), Value: v})
	}
	b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), Metrics: []wire.Metric{m}}
	e.ingest(a, zstdBody(e.t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now()).want(e.t, http.StatusOK, nil)
}

// evaluator runs the alert rule worker over the env's database with a
// clock the test moves.
func (e *env) evaluator(now *time.Time, m *alerting.Metrics) *alerting.Evaluator {
	q := query.New(tsdb.NewReader(e.pool, testDB.Dialect()), query.Config{})
	return alerting.NewEvaluator(e.st, q, slog.New(slog.DiscardHandler), func() time.Time { return *now }, m)
}

// ruleAlerts lists the agent's rule alerts through the API.
func (e *env) ruleAlerts(c cred, agent uuid.UUID) []alertReply {
	e.t.Helper()
	var pg page[alertReply]
	e.do("GET", "/api/v1/alerts?source=rule&agent_id="+agent.String(), c, nil).want(e.t, http.StatusOK, &pg)
	return pg.Items
}

func (e *env) eventStates(alertID uuid.UUID) []string {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(), `SELECT state FROM alert_events WHERE alert_id = $1 ORDER BY id`, alertID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestAlertRuleForDuration: a tag-scoped rule with a for-duration on
// ingested samples goes pending, fires after the duration, resolves when
// the value drops — one event per transition — and raises nothing on an
// agent inside a maintenance window while an agent outside it alerts.
func TestAlertRuleForDuration(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin, viewer := e.session(fx, auth.RoleAdmin), e.session(fx, auth.RoleViewer)
	web, db := e.pinnedAgent(fx.Tenant.ID, "web-1"), e.pinnedAgent(fx.Tenant.ID, "db-1")
	e.do("PUT", "/api/v1/agents/"+web.ID.String()+"/governance", admin, map[string]any{"tags": []string{"web"}}).want(t, http.StatusOK, nil)

	th := 0.9
	rule := alertRuleRequest{Name: "cpu hot", Metric: "cpu_usage_ratio", Match: `{cpu="all"}`, Agg: "last", Op: ">", Threshold: &th,
		Window: "5m", For: "2m", Severity: "critical", Scope: "tag", Tag: "web"}
	e.do("POST", "/api/v1/alert-rules", e.session(fx, auth.RoleViewer), rule).wantProblem(t, http.StatusForbidden)
	member := e.session(fx, auth.RoleMember)
	var created alertRuleReply
	e.do("POST", "/api/v1/alert-rules", member, rule).want(t, http.StatusCreated, &created)
	if created.For != "2m" || created.Window != "5m" || created.Scope != "tag" {
		t.Errorf("created rule %+v", created)
	}

	t0 := time.Now().Truncate(time.Second)
	hot := every(t0.Add(-30*time.Second), 30*time.Second, 5)
	e.sendCPU(web, hot, 0.95)
	e.sendCPU(db, hot, 0.95) // hot too, but not tagged web: out of scope
	now := t0
	reg := prometheus.NewRegistry()
	metrics, err := alerting.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	ev := e.evaluator(&now, metrics)
	step := func(at time.Duration) {
		t.Helper()
		now = t0.Add(at)
		if err := ev.Run(context.Background()); err != nil {
			t.Fatalf("evaluate at +%s: %v", at, err)
		}
	}
	expect := func(at, state string) {
		t.Helper()
		got := e.ruleAlerts(viewer, web.ID)
		if len(got) != 1 || got[0].State != state {
			t.Fatalf("%s: web-1 rule alerts %+v, want one %s", at, got, state)
		}
	}
	step(0)
	expect("+0", "pending")
	step(30 * time.Second)
	expect("+30s", "pending")
	step(2*time.Minute + time.Second)
	expect("+2m", "firing")
	step(2*time.Minute + 30*time.Second)
	expect("+2m30s", "firing")
	e.sendCPU(web, []time.Time{t0.Add(3 * time.Minute)}, 0.10)
	step(3*time.Minute + 30*time.Second)
	expect("+3m30s", "resolved")
	alertID := e.ruleAlerts(viewer, web.ID)[0].ID
	var detail alertDetailReply
	e.do("GET", "/api/v1/alerts/"+alertID.String(), viewer, nil).want(t, http.StatusOK, &detail)
	if ev := detail.Events; len(ev) != 3 || ev[0].State != "pending" || ev[1].State != "firing" || ev[2].State != "resolved" {
		t.Errorf("events %+v, want pending firing resolved", ev)
	}
	if detail.Source != "rule" || detail.Severity != "critical" || detail.Key != "rule:"+created.ID.String() {
		t.Errorf("rule alert %+v", detail.alertReply)
	}
	for _, st := range []string{"pending", "firing", "resolved"} {
		if got := metricText(t, reg); !strings.Contains(got, `monsys_alert_rule_transitions_total{state="`+st+`"} 1`) {
			t.Errorf("no single %s transition counted:\n%s", st, got)
		}
	}
	if got := e.ruleAlerts(viewer, db.ID); len(got) != 0 {
		t.Errorf("db-1 is outside the rule's tag but has %+v", got)
	}

	// Maintenance: web-1 inside a one-off window raises nothing; web-2,
	// equally hot and outside any window, goes pending.
	web2 := e.pinnedAgent(fx.Tenant.ID, "web-2")
	from, until := t0.Add(4*time.Minute), t0.Add(30*time.Minute)
	e.do("PUT", "/api/v1/agents/"+web.ID.String()+"/governance", admin, map[string]any{"tags": []string{"web"},
		"maintenance_windows": []map[string]any{{"type": "once", "starts_at": from, "ends_at": until}}}).want(t, http.StatusOK, nil)
	e.do("PUT", "/api/v1/agents/"+web2.ID.String()+"/governance", admin, map[string]any{"tags": []string{"web"}}).want(t, http.StatusOK, nil)
	later := every(t0.Add(5*time.Minute), 30*time.Second, 3)
	e.sendCPU(web, later, 0.99)
	e.sendCPU(web2, later, 0.99)
	step(6 * time.Minute)
	if got := e.ruleAlerts(viewer, web.ID); len(got) != 1 || got[0].State != "resolved" {
		t.Errorf("web-1 in maintenance: alerts %+v, want only the old resolved one", got)
	}
	if got := e.ruleAlerts(viewer, web2.ID); len(got) != 1 || got[0].State != "pending" {
		t.Errorf("web-2 outside maintenance: alerts %+v, want one pending", got)
	}

	// Disabling the rule resolves what it holds open; deleting it is final.
	off := false
	rule.Enabled = &off
	var updated alertRuleReply
	e.do("PUT", "/api/v1/alert-rules/"+created.ID.String(), member, rule).want(t, http.StatusOK, &updated)
	if updated.Enabled {
		t.Error("rule still enabled after PUT enabled=false")
	}
	if got := e.ruleAlerts(viewer, web2.ID); len(got) != 1 || got[0].State != "resolved" || got[0].ResolveNote != "alert rule disabled" {
		t.Errorf("web-2 after the rule was disabled: %+v", got)
	}
	e.do("DELETE", "/api/v1/alert-rules/"+created.ID.String(), member, nil).want(t, http.StatusNoContent, nil)
	e.do("GET", "/api/v1/alert-rules/"+created.ID.String(), viewer, nil).wantProblem(t, http.StatusNotFound)
}

// TestAlertRuleValidation: bad definitions answer 422 naming the field.
func TestAlertRuleValidation(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	member := e.session(fx, auth.RoleMember)
	other := e.newTenant("rival")
	foreign := e.agent(other.Tenant.ID, "theirs")
	th := 1.0
	for field, mutate := range map[string]func(*alertRuleRequest){
		"metric":    func(r *alertRuleRequest) { r.Metric = "cpu usage" },
		"match":     func(r *alertRuleRequest) { r.Match = `{cpu=}` },
		"agg":       func(r *alertRuleRequest) { r.Agg = "median" },
		"op":        func(r *alertRuleRequest) { r.Op = "=>" },
		"threshold": func(r *alertRuleRequest) { r.Threshold = nil },
		"window":    func(r *alertRuleRequest) { r.Window = "30s" },
		"for":       func(r *alertRuleRequest) { r.For = "soon" },
		"severity":  func(r *alertRuleRequest) { r.Severity = "fatal" },
		"scope":     func(r *alertRuleRequest) { r.Scope = "galaxy" },
		"tag":       func(r *alertRuleRequest) { r.Scope, r.Tag = "tag", "Not A Tag" },
		"agent_id":  func(r *alertRuleRequest) { r.Scope, r.AgentID = "agent", &foreign.ID },
	} {
		r := alertRuleRequest{Name: "x", Metric: "cpu_usage_ratio", Agg: "avg", Op: ">", Threshold: &th, Severity: "info", Scope: "fleet"}
		mutate(&r)
		p := e.do("POST", "/api/v1/alert-rules", member, r).wantProblem(t, http.StatusUnprocessableEntity)
		if !p.hasFieldError(field) {
			t.Errorf("%s: problem %+v does not name it", field, p.Errors)
		}
	}
}
