package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

func TestSessionsListAndRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	email := fx.email(auth.RoleMember)
	first, _ := e.login(email, testPassword, cred{})
	second, _ := e.login(email, testPassword, cred{})
	others := e.session(fx, auth.RoleAdmin)

	var list page[sessionReply]
	e.do("GET", "/api/v1/sessions", first, nil).want(t, http.StatusOK, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d sessions, want the member's 2", len(list.Items))
	}
	var secondID string
	for _, s := range list.Items {
		if !s.Current {
			secondID = s.ID.String()
		}
		if s.IP != "127.0.0.1" {
			t.Errorf("session ip %q", s.IP)
		}
	}
	e.do("DELETE", "/api/v1/sessions/"+e.sessionID(others).String(), first, nil).wantProblem(t, http.StatusNotFound)
	e.do("DELETE", "/api/v1/sessions/"+secondID, first, nil).want(t, http.StatusNoContent, nil)
	e.do("GET", "/api/v1/agents", second, nil).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/api/v1/agents", first, nil).want(t, http.StatusOK, nil)
	e.do("GET", "/api/v1/agents", others, nil).want(t, http.StatusOK, nil)
	// An API key cannot list or end sessions.
	key, _ := e.apiKey(fx, auth.RoleOwner)
	e.do("GET", "/api/v1/sessions", key, nil).wantProblem(t, http.StatusUnauthorized)
	counts := countEvents(e.auditRows(e.session(fx, auth.RoleOwner), ""))
	if counts["session_revoked"] != 1 || counts["login_succeeded"] != 2 {
		t.Fatalf("audit %v", counts)
	}
}

func TestMemberManagement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	owner, admin := e.session(fx, auth.RoleOwner), e.session(fx, auth.RoleAdmin)
	viewerSess := e.session(fx, auth.RoleViewer)
	member := func(r auth.Role) string { return "/api/v1/members/" + fx.Users[r].ID.String() }

	var list page[memberReply]
	e.do("GET", "/api/v1/members?limit=2", viewerSess, nil).want(t, http.StatusOK, &list)
	if len(list.Items) != 2 || list.NextCursor == "" {
		t.Fatalf("first page %+v", list)
	}
	var rest page[memberReply]
	e.do("GET", "/api/v1/members?limit=2&cursor="+url.QueryEscape(list.NextCursor), viewerSess, nil).want(t, http.StatusOK, &rest)
	if len(rest.Items) != 2 {
		t.Fatalf("second page %+v", rest)
	}

	e.do("PATCH", member(auth.RoleViewer), admin, memberRoleRequest{Role: "owner"}).wantProblem(t, http.StatusUnprocessableEntity)
	e.do("PATCH", member(auth.RoleOwner), admin, memberRoleRequest{Role: "viewer"}).wantProblem(t, http.StatusForbidden)
	e.do("PATCH", member(auth.RoleOwner), owner, memberRoleRequest{Role: "admin"}).wantProblem(t, http.StatusConflict) // last owner
	e.do("PATCH", member(auth.RoleViewer), admin, memberRoleRequest{Role: "member"}).want(t, http.StatusNoContent, nil)
	// The new role applies to the existing session at once.
	e.do("POST", "/api/v1/api-keys", viewerSess, createAPIKeyRequest{Name: "k", Role: "member"}).want(t, http.StatusCreated, nil)

	e.do("DELETE", member(auth.RoleOwner), admin, nil).wantProblem(t, http.StatusForbidden)
	e.do("DELETE", member(auth.RoleViewer), admin, nil).want(t, http.StatusNoContent, nil)
	e.do("GET", "/api/v1/agents", viewerSess, nil).wantProblem(t, http.StatusUnauthorized)
	e.do("DELETE", member(auth.RoleViewer), admin, nil).wantProblem(t, http.StatusNotFound)

	rows := e.auditRows(owner, "type=role_changed")
	var d map[string]string
	if len(rows) != 1 || json.Unmarshal(rows[0].Details, &d) != nil || d["from"] != "viewer" || d["to"] != "member" ||
		rows[0].TargetID != fx.Users[auth.RoleViewer].ID.String() {
		t.Fatalf("role_changed rows %+v", rows)
	}
	if n := len(e.auditRows(owner, "type=member_removed")); n != 1 {
		t.Fatalf("%d member_removed rows", n)
	}
}

func TestAgentTokenAndKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin := e.session(fx, auth.RoleAdmin)
	tok, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	k1, k2 := newSigningKey(t), newSigningKey(t)
	var reg registerReply
	e.register(tok, wire.RegisterRequest{MachineID: "m1", Hostname: "web", SigningPubkey: k1.B64}).want(t, http.StatusCreated, &reg)

	var rot registerReply
	e.do("POST", "/api/v1/agents/"+reg.AgentID+"/rotate-token", admin, nil).want(t, http.StatusOK, &rot)
	if rot.AgentID != reg.AgentID || rot.AgentToken == reg.AgentToken {
		t.Fatalf("rotation %+v", rot)
	}
	if s := e.heartbeatStatus(reg.AgentID, reg.AgentToken); s != http.StatusUnauthorized {
		t.Fatalf("old token after rotation: %d", s)
	}
	if s := e.heartbeatStatus(reg.AgentID, rot.AgentToken); s != http.StatusOK {
		t.Fatalf("new token: %d", s)
	}

	// A new key is refused until an admin clears the pinned one.
	e.register(rot.AgentToken, wire.RegisterRequest{MachineID: "m1", Hostname: "web", SigningPubkey: k2.B64}).
		wantProblem(t, http.StatusConflict)
	e.do("POST", "/api/v1/agents/"+reg.AgentID+"/rotate-signing-key", admin, nil).want(t, http.StatusNoContent, nil)
	e.register(rot.AgentToken, wire.RegisterRequest{MachineID: "m1", Hostname: "web", SigningPubkey: k2.B64}).
		want(t, http.StatusOK, nil)

	// The refusal raised an anomaly; resolving it works once.
	var an page[anomalyReply]
	e.do("GET", "/api/v1/integrity-anomalies", admin, nil).want(t, http.StatusOK, &an)
	if len(an.Items) != 1 {
		t.Fatalf("%d anomalies", len(an.Items))
	}
	path := "/api/v1/integrity-anomalies/" + an.Items[0].ID.String() + "/resolve"
	e.do("PATCH", path, admin, nil).want(t, http.StatusNoContent, nil)
	e.do("PATCH", path, admin, nil).wantProblem(t, http.StatusConflict)
	e.do("GET", "/api/v1/integrity-anomalies", admin, nil).want(t, http.StatusOK, &an)
	if len(an.Items) != 0 {
		t.Fatalf("resolved anomaly still listed: %+v", an.Items)
	}

	counts := countEvents(e.auditRows(admin, ""))
	for typ, n := range map[string]int{"agent_token_rotated": 1, "agent_signing_key_cleared": 1, "integrity_anomaly_raised": 1,
		"integrity_anomaly_resolved": 1, "agent_registered": 2, "enrollment_token_created": 0} {
		if counts[typ] != n {
			t.Errorf("%s written %d times, want %d (all %v)", typ, counts[typ], n, counts)
		}
	}
}

func TestAnomalyCursor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin := e.session(fx, auth.RoleAdmin)
	for range 5 {
		e.anomaly(fx.Tenant.ID)
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		var pg page[anomalyReply]
		e.do("GET", "/api/v1/integrity-anomalies?limit=2&cursor="+url.QueryEscape(cursor), admin, nil).want(t, http.StatusOK, &pg)
		for _, a := range pg.Items {
			if seen[a.ID.String()] {
				t.Fatalf("anomaly %s on two pages", a.ID)
			}
			seen[a.ID.String()] = true
		}
		if pg.NextCursor == "" || pages > 5 {
			break
		}
		cursor = pg.NextCursor
	}
	if len(seen) != 5 {
		t.Fatalf("%d anomalies across pages, want 5", len(seen))
	}
}
