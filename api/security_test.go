package api

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/alerting"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/integrity"
	"github.com/monsys/monsys/wire"
)

// TestSilentAgentDetectedAndRecovers: an agent that stops reporting for
// longer than 3 of its intervals is flagged (system alert, /security
// lists it with last seen); when it reports again the flag clears by
// itself. Agents that never reported, or report on time, are not silent.
func TestSilentAgentDetectedAndRecovers(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer := e.session(fx, auth.RoleViewer)
	stopped, alive := e.pinnedAgent(fx.Tenant.ID, "stopped-1"), e.pinnedAgent(fx.Tenant.ID, "alive-1")
	e.pinnedAgent(fx.Tenant.ID, "never-reported")
	beat := func(a pinnedAgent) {
		b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), Heartbeat: &wire.Heartbeat{UptimeS: 60, AgentVersion: "1.0.0", IntervalS: 10}}
		e.ingest(a, zstdBody(t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now()).want(t, http.StatusOK, nil)
	}
	beat(stopped)
	beat(alive)
	// The stopped agent was last heard 45 s ago: more than 3 × 10 s.
	lastSeen := time.Now().Add(-45 * time.Second).Truncate(time.Microsecond)
	e.exec(`UPDATE agents SET last_seen_at = $2 WHERE id = $1`, stopped.ID, lastSeen)
	check := alerting.NewSilent(e.st, alerting.SilentConfig{Intervals: 3, Every: 30 * time.Second, Grace: 90 * time.Second}, slog.New(slog.DiscardHandler), nil)
	if err := check.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var sec securityReply
	// The check's first pass is a hub start: every agent has its full
	// allowance from now, so nobody is silent yet.
	e.do("GET", "/api/v1/security", viewer, nil).want(t, http.StatusOK, &sec)
	if sec.SilentAgents.Count != 0 {
		t.Fatalf("right after a hub start: silent agents %+v, want none", sec.SilentAgents)
	}
	// The hub has been up for an hour.
	e.exec(`UPDATE hub_liveness SET up_since = now() - interval '1 hour'`)
	if err := check.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/api/v1/security", viewer, nil).want(t, http.StatusOK, &sec)
	if sec.SilentAgents.Count != 1 || len(sec.SilentAgents.Items) != 1 {
		t.Fatalf("silent agents %+v, want stopped-1 only", sec.SilentAgents)
	}
	got := sec.SilentAgents.Items[0]
	if got.AgentID != stopped.ID || !got.LastSeenAt.Equal(lastSeen) || got.HeartbeatIntervalS != 10 {
		t.Errorf("silent entry %+v, want stopped-1 last seen %s", got, lastSeen)
	}
	var alerts page[alertReply]
	e.do("GET", "/api/v1/alerts?source=system&state=firing", viewer, nil).want(t, http.StatusOK, &alerts)
	if len(alerts.Items) != 1 || alerts.Items[0].Key != "agent_silent" || alerts.Items[0].Hostname != "stopped-1" {
		t.Fatalf("system alerts %+v", alerts.Items)
	}
	// A second pass raises nothing new.
	if err := check.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/api/v1/alerts?source=system", viewer, nil).want(t, http.StatusOK, &alerts)
	if len(alerts.Items) != 1 {
		t.Fatalf("after a second pass: %d system alerts, want 1", len(alerts.Items))
	}

	beat(stopped) // it is back
	if err := check.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/api/v1/security", viewer, nil).want(t, http.StatusOK, &sec)
	if sec.SilentAgents.Count != 0 || len(sec.SilentAgents.Items) != 0 {
		t.Errorf("after recovery: silent agents %+v", sec.SilentAgents)
	}
	e.do("GET", "/api/v1/alerts?source=system", viewer, nil).want(t, http.StatusOK, &alerts)
	if len(alerts.Items) != 1 || alerts.Items[0].State != "resolved" || alerts.Items[0].ResolvedAt == nil {
		t.Errorf("silent alert after recovery: %+v", alerts.Items)
	}
	if ev := e.eventStates(alerts.Items[0].ID); len(ev) != 2 || ev[0] != "firing" || ev[1] != "resolved" {
		t.Errorf("silent alert events %v, want firing resolved", ev)
	}
}

// TestResolveAlertByHand: a member resolves an open alert with a note;
// who and when are kept; a second resolve answers 409.
func TestResolveAlertByHand(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	e.raiseAgentAlert(a, "disk_full:/", "firing")
	viewer, member := e.session(fx, auth.RoleViewer), e.session(fx, auth.RoleMember)
	var alerts page[alertReply]
	e.do("GET", "/api/v1/alerts?state=firing&severity=critical&agent_id="+a.ID.String()+"&since=now-1h", viewer, nil).want(t, http.StatusOK, &alerts)
	if len(alerts.Items) != 1 {
		t.Fatalf("firing alerts %+v", alerts.Items)
	}
	id := alerts.Items[0].ID.String()
	e.do("PATCH", "/api/v1/alerts/"+id+"/resolve", viewer, resolveAlertRequest{}).wantProblem(t, http.StatusForbidden)
	var resolved alertReply
	e.do("PATCH", "/api/v1/alerts/"+id+"/resolve", member, resolveAlertRequest{Note: "cleaned /var/log"}).want(t, http.StatusOK, &resolved)
	if resolved.State != "resolved" || resolved.ResolvedAt == nil || resolved.ResolvedBy == nil ||
		*resolved.ResolvedBy != fx.Users[auth.RoleMember].ID || resolved.ResolveNote != "cleaned /var/log" {
		t.Errorf("resolved alert %+v", resolved)
	}
	e.do("PATCH", "/api/v1/alerts/"+id+"/resolve", member, nil).wantProblem(t, http.StatusConflict)
	e.do("GET", "/api/v1/alerts?state=firing", viewer, nil).want(t, http.StatusOK, &alerts)
	if len(alerts.Items) != 0 {
		t.Errorf("still firing: %+v", alerts.Items)
	}
	e.do("GET", "/api/v1/alerts?state=open", viewer, nil).wantProblem(t, http.StatusBadRequest)
	// The agent raising the same key again opens a new alert.
	e.raiseAgentAlert(a, "disk_full:/", "firing")
	e.do("GET", "/api/v1/alerts?state=firing", viewer, nil).want(t, http.StatusOK, &alerts)
	if len(alerts.Items) != 1 || alerts.Items[0].ID.String() == id {
		t.Errorf("after the agent fired again: %+v", alerts.Items)
	}
}

// TestGovernanceValidatedAndAudited: an admin's valid record is stored and
// audited in the same transaction; invalid records answer 422 per field.
func TestGovernanceValidatedAndAudited(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	a := e.agent(fx.Tenant.ID, "db-1")
	admin := e.session(fx, auth.RoleAdmin)
	path := "/api/v1/agents/" + a.ID.String() + "/governance"
	body := map[string]any{"owner": "team-db", "environment": "production", "criticality": "high",
		"data_classification": "confidential", "tags": []string{"pci", "db", "pci"},
		"maintenance_windows": []map[string]any{{"type": "weekly", "days": []string{"sun"}, "start": "23:00", "end": "02:00", "time_zone": "Europe/Berlin"}}}
	e.do("PUT", path, e.session(fx, auth.RoleMember), body).wantProblem(t, http.StatusForbidden)
	var got governanceBody
	e.do("PUT", path, admin, body).want(t, http.StatusOK, &got)
	e.do("GET", path, e.session(fx, auth.RoleViewer), nil).want(t, http.StatusOK, &got)
	if got.Owner != "team-db" || len(got.Tags) != 2 || got.Tags[0] != "db" || len(got.MaintenanceWindows) != 1 {
		t.Errorf("stored governance %+v", got)
	}
	var n int
	var details string
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*), max(details::text) FROM audit_log
		WHERE tenant_id = $1 AND event_type = 'agent_governance_updated' AND target_id = $2`, fx.Tenant.ID, a.ID.String()).Scan(&n, &details); err != nil {
		t.Fatal(err)
	}
	if n != 1 || !containsAll(details, "team-db", "criticality") {
		t.Errorf("%d audit rows, details %s", n, details)
	}

	bad := map[string]any{"environment": "prod", "criticality": "extreme", "data_classification": "secret", "tags": []string{"Bad Tag"},
		"maintenance_windows": []map[string]any{{"type": "weekly", "days": []string{"funday"}, "start": "25:00", "end": "02:00", "time_zone": "Mars/Olympus"},
			{"type": "once", "starts_at": "2026-01-02T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"}, {"type": "monthly"}}}
	p := e.do("PUT", path, admin, bad).wantProblem(t, http.StatusUnprocessableEntity)
	for _, f := range []string{"environment", "criticality", "data_classification", "tags[0]", "maintenance_windows[0].days",
		"maintenance_windows[0].start", "maintenance_windows[0].time_zone", "maintenance_windows[1].ends_at", "maintenance_windows[2].type"} {
		if !p.hasFieldError(f) {
			t.Errorf("problem does not name %s: %+v", f, p.Errors)
		}
	}
	e.do("PUT", path, admin, map[string]any{"owner": "x", "colour": "red"}).wantProblem(t, http.StatusBadRequest)
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// TestSecurityCountsIntegrityAnomalies: an agent whose heartbeat names a
// binary the hub does not serve is flagged by the integrity check, and
// /security counts it for every member; a malformed hash is refused.
func TestSecurityCountsIntegrityAnomalies(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("integrity")
	viewer := e.session(fx, auth.RoleViewer)
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	send := func(hash string) reply {
		b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), Heartbeat: &wire.Heartbeat{UptimeS: 60, AgentVersion: "1.0.0", BinarySHA256: hash}}
		return e.ingest(a, zstdBody(t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now())
	}
	if r := send("not-a-hash"); r.Status == http.StatusOK {
		t.Fatalf("a malformed binary_sha256 was accepted: %s", r.Body)
	}
	send(strings.Repeat("0f", 32)).want(t, http.StatusOK, nil)

	dist := t.TempDir()
	if err := os.WriteFile(filepath.Join(dist, "monsys-agent-linux-amd64"), []byte("served build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := integrity.New(e.st, integrity.NewBuilds(dist), slog.New(slog.DiscardHandler)).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var sec securityReply
	e.do("GET", "/api/v1/security", viewer, nil).want(t, http.StatusOK, &sec)
	if sec.Integrity.Open != 1 || sec.Integrity.ByKind["agent_binary_unknown"] != 1 {
		t.Errorf("integrity section %+v, want the unknown binary counted", sec.Integrity)
	}
}

// TestDecoyEventsRaiseAlertsAndCountSources: honeypot and canary events in
// agents' batches are stored, raise one alert per decoy, and /security
// counts a scanner that touched two hosts as one source.
func TestDecoyEventsRaiseAlertsAndCountSources(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("decoys")
	viewer := e.session(fx, auth.RoleViewer)
	web, db := e.pinnedAgent(fx.Tenant.ID, "web-1"), e.pinnedAgent(fx.Tenant.ID, "db-1")
	send := func(a pinnedAgent, events ...wire.SecurityEvent) reply {
		b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), SecurityEvents: events}
		return e.ingest(a, zstdBody(t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now())
	}
	now := time.Now().UnixMilli()
	scan := func(port int) wire.SecurityEvent {
		return wire.SecurityEvent{Kind: wire.EventHoneypot, At: now, Proto: "tcp", Port: port, SourceIP: "203.0.113.7", SourcePort: 40000, FirstBytes: `"SSH-2.0-Go\r\n"`}
	}
	send(web, scan(2222), scan(2222), scan(23)).want(t, http.StatusOK, nil)
	send(db, scan(2222), wire.SecurityEvent{Kind: wire.EventCanary, At: now, Path: "/root/.aws/credentials", Access: "opened"}).want(t, http.StatusOK, nil)
	if r := send(web, wire.SecurityEvent{Kind: wire.EventHoneypot, At: now, Proto: "tcp", Port: 22, SourceIP: "not an address"}); r.Status == http.StatusOK {
		t.Fatalf("an event without a valid source address was accepted: %s", r.Body)
	}

	var sec struct {
		Decoys struct {
			Events  int `json:"events"`
			Sources []struct {
				SourceIP string  `json:"source_ip"`
				Events   int     `json:"events"`
				Agents   int     `json:"agents"`
				Ports    []int32 `json:"ports"`
			} `json:"sources"`
			Recent []struct {
				Hostname string `json:"hostname"`
				Kind     string `json:"kind"`
			} `json:"recent"`
		} `json:"decoys"`
	}
	e.do("GET", "/api/v1/security", viewer, nil).want(t, http.StatusOK, &sec)
	d := sec.Decoys
	if d.Events != 5 || len(d.Recent) != 5 {
		t.Errorf("decoy events %d (recent %d), want 5", d.Events, len(d.Recent))
	}
	if len(d.Sources) != 1 || d.Sources[0].SourceIP != "203.0.113.7" || d.Sources[0].Agents != 2 || d.Sources[0].Events != 4 ||
		len(d.Sources[0].Ports) != 2 {
		t.Errorf("sources %+v, want one scanner on 2 hosts, 4 events, ports 23 and 2222", d.Sources)
	}

	var alerts struct {
		Items []struct {
			Key      string `json:"key"`
			Severity string `json:"severity"`
			Summary  string `json:"summary"`
			Hostname string `json:"hostname"`
		} `json:"items"`
	}
	e.do("GET", "/api/v1/alerts?state=firing", viewer, nil).want(t, http.StatusOK, &alerts)
	got := map[string]string{}
	for _, a := range alerts.Items {
		got[a.Hostname+" "+a.Key] = a.Severity
	}
	want := map[string]string{"web-1 honeypot:tcp/2222": "warning", "web-1 honeypot:tcp/23": "warning",
		"db-1 honeypot:tcp/2222": "warning", "db-1 canary:/root/.aws/credentials": "critical"}
	for k, sev := range want {
		if got[k] != sev {
			t.Errorf("alert %q: severity %q, want %q (alerts %v)", k, got[k], sev, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("alerts %v, want one per decoy touched", got)
	}
}

// TestHostSilentIsTheTenantsRule: the default rule host_silent sets each
// tenant's allowance and severity; disabling it stops (and resolves) that
// tenant's silent alerts while another tenant's go on; the rule evaluator
// leaves it alone; a silent rule names no metric and covers the fleet.
func TestHostSilentIsTheTenantsRule(t *testing.T) {
	e := newEnv(t)
	acme, acmeOwner := e.freshTenant("acme")
	beta, betaOwner := e.freshTenant("beta")
	silentRule := func(owner cred) alertRuleReply {
		t.Helper()
		var pg page[alertRuleReply]
		e.do("GET", "/api/v1/alert-rules?limit=100", owner, nil).want(t, http.StatusOK, &pg)
		for _, r := range pg.Items {
			if r.Builtin == "host_silent" {
				return r
			}
		}
		t.Fatalf("no host_silent rule in %+v", pg.Items)
		return alertRuleReply{}
	}
	rule := silentRule(acmeOwner)
	if rule.Agg != "silent" || rule.Threshold != 3 || rule.Op != ">=" || rule.Metric != "" || !rule.Enabled {
		t.Fatalf("default host_silent rule %+v, want agg silent >= 3, enabled", rule)
	}
	put := func(threshold float64, severity string, enabled bool) {
		t.Helper()
		e.do("PUT", "/api/v1/alert-rules/"+rule.ID.String(), acmeOwner, map[string]any{"name": rule.Name, "metric": "", "agg": "silent",
			"op": ">=", "threshold": threshold, "severity": severity, "scope": "fleet", "enabled": enabled}).want(t, http.StatusOK, nil)
	}
	// Two agents, one per tenant, last heard 45 s ago at a 10 s interval.
	stopped := map[uuid.UUID]pinnedAgent{acme.Tenant.ID: e.pinnedAgent(acme.Tenant.ID, "acme-1"), beta.Tenant.ID: e.pinnedAgent(beta.Tenant.ID, "beta-1")}
	for _, a := range stopped {
		b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), Heartbeat: &wire.Heartbeat{UptimeS: 60, AgentVersion: "1.0.0", IntervalS: 10}}
		e.ingest(a, zstdBody(t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now()).want(t, http.StatusOK, nil)
		e.exec(`UPDATE agents SET last_seen_at = now() - interval '45 seconds' WHERE id = $1`, a.ID)
	}
	// The hub-wide allowance is 100 intervals: only the rules make anyone silent.
	check := alerting.NewSilent(e.st, alerting.SilentConfig{Intervals: 100, Every: 30 * time.Second, Grace: 0}, slog.New(slog.DiscardHandler), nil)
	pass := func() {
		t.Helper()
		e.exec(`UPDATE hub_liveness SET up_since = now() - interval '1 hour'`)
		if err := check.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.exec(`UPDATE hub_liveness SET up_since = now() - interval '1 hour'`)
		if err := check.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	silentAlerts := func(owner cred) []alertReply {
		t.Helper()
		var pg page[alertReply]
		e.do("GET", "/api/v1/alerts?source=system", owner, nil).want(t, http.StatusOK, &pg)
		var out []alertReply
		for _, a := range pg.Items {
			if a.Key == "agent_silent" {
				out = append(out, a)
			}
		}
		return out
	}

	put(10, "warning", true) // 100 s: 45 s is within it
	pass()
	if got := silentAlerts(acmeOwner); len(got) != 0 {
		t.Errorf("acme allows 10 intervals, yet after 4.5: %+v", got)
	}
	if got := silentAlerts(betaOwner); len(got) != 1 || got[0].State != "firing" || got[0].Severity != "warning" {
		t.Errorf("beta's default rule (3 intervals): silent alerts %+v, want one firing", got)
	}

	put(3, "critical", true)
	pass()
	got := silentAlerts(acmeOwner)
	if len(got) != 1 || got[0].State != "firing" || got[0].Severity != "critical" {
		t.Fatalf("acme at 3 intervals, critical: silent alerts %+v, want one critical firing", got)
	}

	put(3, "critical", false)
	pass()
	got = silentAlerts(acmeOwner)
	if len(got) != 1 || got[0].State != "resolved" || got[0].ResolveNote != "host silent rule disabled" {
		t.Errorf("acme disabled its rule: silent alerts %+v, want the open one resolved, saying why", got)
	}
	pass()
	if got := silentAlerts(acmeOwner); len(got) != 1 {
		t.Errorf("acme's rule is disabled, yet a new silent alert: %+v", got)
	}
	if got := silentAlerts(betaOwner); len(got) != 1 || got[0].State != "firing" {
		t.Errorf("beta's silent alert after acme disabled its rule: %+v, want still firing", got)
	}

	rules, err := e.st.EnabledAlertRules(context.Background(), nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Agg == "silent" {
			t.Errorf("the rule evaluator is given the silent rule %s", r.Name)
		}
	}
	for name, body := range map[string]map[string]any{
		"a metric": {"metric": "cpu_usage_ratio"}, "a tag scope": {"scope": "tag", "tag": "web"},
		"op <": {"op": "<"}, "one interval": {"threshold": 1}, "a for-duration": {"for": "5m"},
	} {
		req := map[string]any{"name": "silent", "metric": "", "agg": "silent", "op": ">=", "threshold": 5, "severity": "info", "scope": "fleet"}
		for k, v := range body {
			req[k] = v
		}
		t.Run("refuses "+name, func(t *testing.T) {
			e.do("POST", "/api/v1/alert-rules", acmeOwner, req).wantProblem(t, http.StatusUnprocessableEntity)
		})
	}
}

// TestRetiredKeySignatureIsAnAnomaly: after an admin clears an agent's key
// and the agent pins a new one, a batch signed with the old key is refused
// and raises retired_key_signature once; the new key's batches go on.
func TestRetiredKeySignatureIsAnAnomaly(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("retired")
	admin := e.session(fx, auth.RoleAdmin)
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	old := a.key
	e.do("POST", "/api/v1/agents/"+a.ID.String()+"/rotate-signing-key", admin, nil).want(t, http.StatusNoContent, nil)
	a.key = newSigningKey(t)
	var reg wire.RegisterResponse
	e.register(a.Token, wire.RegisterRequest{MachineID: a.MachineID, Hostname: "web-1", OS: "linux", Arch: "amd64",
		AgentVersion: "1.0.0", SigningPubkey: a.key.B64}).want(t, http.StatusOK, &reg)
	a.Token = reg.AgentToken // a registration issues a new token

	batch := func() []byte {
		return zstdBody(t, wire.AppendBatchJSON(nil, &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String()}))
	}
	e.ingest(a, batch(), "zstd", time.Now()).want(t, http.StatusOK, nil)
	thief := pinnedAgent{a.testAgent, old}
	for range 2 {
		if r := e.ingest(thief, batch(), "zstd", time.Now()); r.Status != http.StatusUnauthorized {
			t.Fatalf("a batch signed with the retired key answered %d: %s", r.Status, r.Body)
		}
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM integrity_anomalies
		WHERE agent_id = $1 AND kind = 'retired_key_signature' AND resolved_at IS NULL`, a.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d retired_key_signature anomalies, want 1 for two such batches", n)
	}
	// A batch signed by an unrelated key is a bad signature, not a retired one.
	stranger := pinnedAgent{a.testAgent, newSigningKey(t)}
	e.ingest(stranger, batch(), "zstd", time.Now())
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM integrity_anomalies WHERE agent_id = $1`, a.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d anomalies after a stranger's batch, want still 1", n)
	}
}
