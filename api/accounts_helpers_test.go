package api

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

// testTOTPSecret is the base32 secret fixtures put on accounts.
const testTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// setTOTP gives the user testTOTPSecret, enabled or pending setup, with no
// step used yet, and returns the current code.
func (e *env) setTOTP(userID uuid.UUID, enabled bool) string {
	e.t.Helper()
	e.exec(`UPDATE users SET totp_secret = convert_to($2, 'UTF8'), totp_last_step = NULL,
		totp_enabled_at = CASE WHEN $3 THEN now() END WHERE id = $1`, userID, testTOTPSecret, enabled)
	return totpAt(e.t, testTOTPSecret, time.Now())
}

// extraUser adds a fresh user with role to the tenant.
func (e *env) extraUser(fx *tenantFx, role auth.Role) store.User {
	e.t.Helper()
	hash, err := testPasswordHash()
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.st.CreateUser(context.Background(), fx.Tenant.ID, "u-"+uuid.NewString()+"@"+fx.Tenant.Slug+".test", "extra", hash, role)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// totpChallenge makes a fresh TOTP user in the tenant, a login challenge
// for them, and the current code.
func (e *env) totpChallenge(fx *tenantFx) (string, string) {
	e.t.Helper()
	u := e.extraUser(fx, auth.RoleViewer)
	code := e.setTOTP(u.ID, true)
	secret, hash, err := auth.NewSecret()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.CreateChallenge(context.Background(), hash, store.Challenge{UserID: u.ID, TenantID: fx.Tenant.ID}); err != nil {
		e.t.Fatal(err)
	}
	return secret, code
}

// resetToken makes a reset token for a fresh user of the tenant.
func (e *env) resetToken(fx *tenantFx) string {
	e.t.Helper()
	return e.resetTokenFor(e.extraUser(fx, auth.RoleViewer).Email)
}

// invitation invites email to the tenant with role and returns the token.
func (e *env) invitation(fx *tenantFx, email string, role auth.Role) string {
	e.t.Helper()
	secret, hash, err := auth.NewSecret()
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.Invite(context.Background(), store.NewInvitation{TenantID: fx.Tenant.ID, Email: email, Role: role,
		InvitedBy: fx.Users[auth.RoleOwner].ID, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour),
		Mail: store.Mail{To: email, Subject: "invite", Body: "fixture"}}); err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// latestInvitation is the id of the tenant's newest invitation.
func (e *env) latestInvitation(fx *tenantFx) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM invitations WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1`,
		fx.Tenant.ID).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// anomaly records an integrity anomaly in the tenant and returns its id.
func (e *env) anomaly(tenantID uuid.UUID) uuid.UUID {
	e.t.Helper()
	if err := e.st.RecordAnomaly(context.Background(), tenantID, nil, "fixture", map[string]any{}, "192.0.2.1"); err != nil {
		e.t.Fatal(err)
	}
	return e.latestAnomaly(tenantID)
}

// resetTokenFor makes a reset token for the account with email.
func (e *env) resetTokenFor(email string) string {
	e.t.Helper()
	secret, hash, err := auth.NewSecret()
	if err != nil {
		e.t.Fatal(err)
	}
	mail := func(to string) store.Mail { return store.Mail{To: to, Subject: "reset", Body: "fixture"} }
	if _, err := e.st.RequestPasswordReset(context.Background(), email, hash, mail, audit.Event{}); err != nil {
		e.t.Fatal(err)
	}
	return secret
}
