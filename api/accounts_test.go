package api

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/mail"
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

// TestAPIKeyChecksumRefusedBeforeLookup: a key with a broken checksum is
// refused by its shape, with the answer that only the pre-lookup check
// gives, while an unknown well-formed key is looked up and not found.
func TestAPIKeyChecksumRefusedBeforeLookup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	key, _ := e.apiKey(fx, auth.RoleViewer)
	bad := key.Bearer[:len(key.Bearer)-1] + string(flipBase62(key.Bearer[len(key.Bearer)-1]))
	p := e.do("GET", "/api/v1/agents", cred{Bearer: bad}, nil).wantProblem(t, http.StatusUnauthorized)
	if p.Detail != "the bearer token is malformed" {
		t.Fatalf("bad checksum answered %q", p.Detail)
	}
	unknown, _, err := auth.NewToken(auth.KindAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	p = e.do("GET", "/api/v1/agents", cred{Bearer: unknown}, nil).wantProblem(t, http.StatusUnauthorized)
	if p.Detail == "the bearer token is malformed" {
		t.Fatal("a well-formed unknown key was refused by shape")
	}
	e.do("GET", "/api/v1/agents", key, nil).want(t, http.StatusOK, nil)
}

// TestMailIsRetried: a message that cannot reach the mail server stays in
// the outbox with its error and a later attempt, and goes out once the
// server answers.
func TestMailIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	_ = dead.Close() // nothing listens there now: connections are refused
	e.invitation(fx, "late@example.test", auth.RoleViewer)
	sender, err := mail.ParseSMTP("smtp://"+deadAddr, "monsys@test.local")
	if err != nil {
		t.Fatal(err)
	}
	if err := mail.NewOutbox(e.st, sender, slog.New(slog.DiscardHandler)).Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	var attempts int
	var lastErr string
	var wait float64
	if err := e.pool.QueryRow(t.Context(), `SELECT attempts, last_error, extract(epoch FROM next_attempt_at - now()) FROM outbox WHERE sent_at IS NULL`).
		Scan(&attempts, &lastErr, &wait); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || lastErr == "" || wait < 20 || wait > 31 {
		t.Fatalf("after a refused connection: attempts %d, error %q, next attempt in %.0f s (want 1, an error, 30 s)", attempts, lastErr, wait)
	}
	smtp := newSMTPServer(t)
	if m := e.deliverDue(smtp); m.To != "late@example.test" {
		t.Fatalf("delivered to %s", m.To)
	}
	if mail.Backoff(1) != 30*time.Second || mail.Backoff(2) != time.Minute || mail.Backoff(20) != time.Hour {
		t.Fatalf("backoff %v %v %v", mail.Backoff(1), mail.Backoff(2), mail.Backoff(20))
	}
}

// deliverDue makes every waiting message due now and delivers one.
func (e *env) deliverDue(s *smtpServer) delivered {
	e.t.Helper()
	e.exec(`UPDATE outbox SET next_attempt_at = now() WHERE sent_at IS NULL`)
	return e.deliver(s)
}
