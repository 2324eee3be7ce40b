package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
)

// TestPasswordResetEndToEnd asks for a reset, receives the mail over a
// real SMTP exchange, and sets a new password with its link.
func TestPasswordResetEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	smtp := newSMTPServer(t)
	fx := e.newTenant("acme")
	email := fx.email(auth.RoleMember)
	old := e.session(fx, auth.RoleMember)

	// A forged Host header must not reach the link.
	e.do("POST", "/api/v1/auth/forgot-password", cred{}, forgotRequest{Email: strings.ToUpper(email)},
		"Host", "evil.example").want(t, http.StatusAccepted, nil)
	m := e.deliver(smtp)
	if m.To != email || m.From != "monsys@test.local" || !strings.Contains(m.Data, "Subject: Reset your monsys password") {
		t.Fatalf("mail from %s to %s:\n%s", m.From, m.To, m.Data)
	}
	base, token := linkIn(t, m.Data)
	if base != e.base+"/reset-password" || strings.Contains(m.Data, "evil.example") {
		t.Fatalf("link base %q: want the configured public URL %s", base, e.base)
	}
	if len(token) < 43 { // 256 bits, base64url
		t.Fatalf("token %q is shorter than 256 bits", token)
	}
	var stored int
	if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM password_resets WHERE token_hash = $1 AND expires_at <= now() + interval '30 minutes'`,
		hashOf(token)).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("stored reset rows under the token's hash with ≤ 30 min expiry: %d (%v)", stored, err)
	}

	const newPassword = "a brand new passphrase"
	e.do("POST", "/api/v1/auth/reset-password", cred{}, resetRequest{Token: token, Password: "short"}).
		wantProblem(t, http.StatusUnprocessableEntity)
	e.do("POST", "/api/v1/auth/reset-password", cred{}, resetRequest{Token: token, Password: newPassword}).
		want(t, http.StatusNoContent, nil)
	// Single use, every session ended, the new password works, the old not.
	e.do("POST", "/api/v1/auth/reset-password", cred{}, resetRequest{Token: token, Password: newPassword}).
		wantProblem(t, http.StatusBadRequest)
	e.do("GET", "/api/v1/agents", old, nil).wantProblem(t, http.StatusUnauthorized)
	if _, r := e.login(email, testPassword, cred{}); r.Status != http.StatusUnauthorized {
		t.Fatalf("old password: %d", r.Status)
	}
	if _, r := e.login(email, newPassword, cred{}); r.Status != http.StatusOK {
		t.Fatalf("new password: %d %s", r.Status, r.Body)
	}
	assertArgon2id(t, e, fx.Users[auth.RoleMember].ID.String())

	// An expired link is refused.
	e.do("POST", "/api/v1/auth/forgot-password", cred{}, forgotRequest{Email: email}).want(t, http.StatusAccepted, nil)
	_, token = linkIn(t, e.deliver(smtp).Data)
	e.exec(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, hashOf(token))
	e.do("POST", "/api/v1/auth/reset-password", cred{}, resetRequest{Token: token, Password: newPassword}).
		wantProblem(t, http.StatusBadRequest)

	counts := countEvents(e.auditRows(e.session(fx, auth.RoleOwner), ""))
	if counts["password_reset_requested"] != 2 || counts["password_reset_completed"] != 1 {
		t.Fatalf("audit %v: want 2 requests and 1 completion", counts)
	}
}

// TestResetNeverBypassesTOTP: after a reset a TOTP user still needs a code.
func TestResetNeverBypassesTOTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	u := fx.Users[auth.RoleAdmin]
	e.setTOTP(u.ID, true)
	e.do("POST", "/api/v1/auth/reset-password", cred{}, resetRequest{Token: e.resetTokenFor(u.Email), Password: "another fine passphrase"}).
		want(t, http.StatusNoContent, nil)
	var lr loginReply
	r := e.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: u.Email, Password: "another fine passphrase"})
	r.want(t, http.StatusOK, &lr)
	if !lr.TOTPRequired || lr.Challenge == "" || sessionCookieOf(t, r) != nil || lr.CSRFToken != "" {
		t.Fatalf("login after reset: %+v; want a TOTP challenge and no session", lr)
	}
}

// TestForgotPasswordAnswersAlike: known and unknown addresses get
// byte-equal answers (RELIABILITY A3); the time difference is reported.
func TestForgotPasswordAnswersAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	const rid = "forgot-probe"
	var known, unknown time.Duration
	const n = 40
	for range n {
		start := time.Now()
		k := e.do("POST", "/api/v1/auth/forgot-password", cred{}, forgotRequest{Email: fx.email(auth.RoleViewer)}, "X-Request-Id", rid)
		known += time.Since(start)
		start = time.Now()
		u := e.do("POST", "/api/v1/auth/forgot-password", cred{}, forgotRequest{Email: "nobody@acme.test"}, "X-Request-Id", rid)
		unknown += time.Since(start)
		if k.Status != http.StatusAccepted {
			t.Fatalf("known address: %d %s, want 202", k.Status, k.Body)
		}
		if u.Status != k.Status || !bytes.Equal(u.Body, k.Body) || u.Header.Get("Content-Type") != k.Header.Get("Content-Type") {
			t.Fatalf("known %d %s %q, unknown %d %s %q: want identical",
				k.Status, k.Body, k.Header.Get("Content-Type"), u.Status, u.Body, u.Header.Get("Content-Type"))
		}
	}
	t.Logf("forgot-password mean time over %d: known %v, unknown %v, difference %v", n, known/n, unknown/n, (known-unknown)/n)
}

// TestInvitationEndToEnd invites a new person and an existing one of
// another tenant through real mail, and lets them accept and switch.
func TestInvitationEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	smtp := newSMTPServer(t)
	fx, other := e.newTenant("acme"), e.newTenant("other")
	admin := e.session(fx, auth.RoleAdmin)

	e.do("POST", "/api/v1/invitations", admin, inviteRequest{Email: "new@example.test", Role: "owner"}).
		wantProblem(t, http.StatusUnprocessableEntity) // above the inviter's role
	var inv invitationReply
	e.do("POST", "/api/v1/invitations", admin, inviteRequest{Email: "new@example.test", Role: "member", ExpiresInHours: 24}).
		want(t, http.StatusCreated, &inv)
	if inv.Role != auth.RoleMember || inv.ExpiresAt.Sub(time.Now()) > 25*time.Hour {
		t.Fatalf("invitation %+v", inv)
	}
	m := e.deliver(smtp)
	base, token := linkIn(t, m.Data)
	if m.To != "new@example.test" || base != e.base+"/accept-invite" || !strings.Contains(m.Data, "acme") {
		t.Fatalf("mail to %s, link %s:\n%s", m.To, base, m.Data)
	}
	e.do("POST", "/api/v1/auth/accept-invite", cred{}, acceptInviteRequest{Token: token}).
		wantProblem(t, http.StatusUnprocessableEntity) // a new account needs a password
	var acc acceptInviteReply
	e.do("POST", "/api/v1/auth/accept-invite", cred{}, acceptInviteRequest{Token: token, Name: "New", Password: testPassword}).
		want(t, http.StatusOK, &acc)
	if !acc.AccountCreated || acc.Role != auth.RoleMember || acc.Tenant.ID != fx.Tenant.ID {
		t.Fatalf("accept: %+v", acc)
	}
	e.do("POST", "/api/v1/auth/accept-invite", cred{}, acceptInviteRequest{Token: token, Password: testPassword}).
		wantProblem(t, http.StatusBadRequest) // single use
	sess, r := e.login("new@example.test", testPassword, cred{})
	if r.Status != http.StatusOK {
		t.Fatalf("new account login: %d %s", r.Status, r.Body)
	}
	e.do("GET", "/api/v1/agents", sess, nil).want(t, http.StatusOK, nil)
	var newUserID string
	if err := e.pool.QueryRow(t.Context(), `SELECT id::text FROM users WHERE email = 'new@example.test'`).Scan(&newUserID); err != nil {
		t.Fatal(err)
	}
	assertArgon2id(t, e, newUserID)

	// An owner of another tenant joins acme too, and switches between them.
	outsider := other.Users[auth.RoleOwner]
	e.do("POST", "/api/v1/invitations", admin, inviteRequest{Email: outsider.Email, Role: "viewer"}).want(t, http.StatusCreated, nil)
	_, token = linkIn(t, e.deliver(smtp).Data)
	e.do("POST", "/api/v1/auth/accept-invite", cred{}, acceptInviteRequest{Token: token}).want(t, http.StatusOK, &acc)
	if acc.AccountCreated || acc.Role != auth.RoleViewer {
		t.Fatalf("existing account accept: %+v", acc)
	}
	osess := e.session(other, auth.RoleOwner)
	var tenants page[tenantMembershipReply]
	e.do("GET", "/api/v1/auth/tenants", osess, nil).want(t, http.StatusOK, &tenants)
	if len(tenants.Items) != 2 {
		t.Fatalf("tenants %+v, want other and acme", tenants.Items)
	}
	var sw tenantMembershipReply
	e.do("POST", "/api/v1/auth/switch-tenant", osess, switchTenantRequest{TenantID: fx.Tenant.ID}).want(t, http.StatusOK, &sw)
	if sw.ID != fx.Tenant.ID || sw.Role != auth.RoleViewer {
		t.Fatalf("switch: %+v", sw)
	}
	// Now a viewer in acme: admin routes refuse, acme's data shows.
	e.do("GET", "/api/v1/enrollment-tokens", osess, nil).wantProblem(t, http.StatusForbidden)
	var members page[memberReply]
	e.do("GET", "/api/v1/members", osess, nil).want(t, http.StatusOK, &members)
	if len(members.Items) != 6 {
		t.Fatalf("acme members seen after switching: %d, want 6", len(members.Items))
	}
	// A tenant the user does not belong to answers 404.
	e.do("POST", "/api/v1/auth/switch-tenant", sess, switchTenantRequest{TenantID: other.Tenant.ID}).wantProblem(t, http.StatusNotFound)

	counts := countEvents(e.auditRows(admin, ""))
	if counts["invitation_sent"] != 2 || counts["invitation_accepted"] != 2 {
		t.Fatalf("audit %v: want 2 invitations sent and 2 accepted", counts)
	}
}

// assertArgon2id checks RELIABILITY A1 on a stored hash: argon2id with at
// least 19 MiB and two passes, one lane.
func assertArgon2id(t *testing.T, e *env, userID string) {
	t.Helper()
	var phc string
	if err := e.pool.QueryRow(t.Context(), `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&phc); err != nil {
		t.Fatal(err)
	}
	p, err := auth.ParsePHC(phc)
	if err != nil || !strings.HasPrefix(phc, "$argon2id$v=19$") {
		t.Fatalf("stored hash %q: %v", phc, err)
	}
	if p.MemoryKiB < 19456 || p.Time < 2 || p.Threads != 1 || len(p.Salt) < 16 || len(p.Key) < 32 {
		t.Fatalf("argon2id parameters %+v below m ≥ 19456 KiB, t ≥ 2, p = 1", p)
	}
}

func hashOf(token string) []byte {
	h := auth.HashToken(token)
	return h[:]
}
