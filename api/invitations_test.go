package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/monsys/monsys/auth"
)

// TestPendingInvitationsListAndRevoke: an admin lists the invitations that
// can still be accepted (not an accepted or expired one, nor another
// tenant's) and revokes one; its link then no longer works, a second
// revoke and another tenant's revoke answer 404, and the revocation is
// audited with whom it invited.
func TestPendingInvitationsListAndRevoke(t *testing.T) {
	e := newEnv(t)
	acme, other := e.newTenant("acme"), e.newTenant("other")
	admin := e.session(acme, auth.RoleAdmin)
	e.invitation(acme, "pending@example.test", auth.RoleViewer)
	revoked := e.invitation(acme, "revoked@example.test", auth.RoleMember)
	accepted := e.invitation(acme, "accepted@example.test", auth.RoleViewer)
	e.invitation(acme, "expired@example.test", auth.RoleViewer)
	e.exec(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'expired@example.test'`)
	e.invitation(other, "elsewhere@example.test", auth.RoleViewer)
	e.do("POST", "/api/v1/auth/accept-invite", cred{}, acceptInviteRequest{Token: accepted, Password: testPassword}).want(t, http.StatusOK, nil)

	list := func() map[string]invitationReply {
		t.Helper()
		var pg page[invitationReply]
		e.do("GET", "/api/v1/invitations", admin, nil).want(t, http.StatusOK, &pg)
		out := map[string]invitationReply{}
		for _, i := range pg.Items {
			out[i.Email] = i
		}
		return out
	}
	got := list()
	if len(got) != 2 || got["pending@example.test"].Role != auth.RoleViewer || got["revoked@example.test"].Role != auth.RoleMember {
		t.Fatalf("pending invitations %+v, want pending@ and revoked@", got)
	}
	inv := got["revoked@example.test"]
	if inv.InvitedBy == nil || *inv.InvitedBy != acme.Users[auth.RoleOwner].ID || inv.CreatedAt.IsZero() || !inv.ExpiresAt.After(inv.CreatedAt) {
		t.Errorf("invitation %+v, want who invited and when", inv)
	}

	e.do("DELETE", "/api/v1/invitations/"+inv.ID.String(), e.session(other, auth.RoleAdmin), nil).wantProblem(t, http.StatusNotFound)
	e.do("DELETE", "/api/v1/invitations/"+inv.ID.String(), e.session(acme, auth.RoleMember), nil).wantProblem(t, http.StatusForbidden)
	e.do("DELETE", "/api/v1/invitations/"+inv.ID.String(), admin, nil).want(t, http.StatusNoContent, nil)
	e.do("DELETE", "/api/v1/invitations/"+inv.ID.String(), admin, nil).wantProblem(t, http.StatusNotFound)
	if got := list(); len(got) != 1 {
		t.Errorf("after revoking: %+v, want only pending@", got)
	}
	e.do("POST", "/api/v1/auth/accept-invite", cred{}, acceptInviteRequest{Token: revoked, Password: testPassword}).
		wantProblem(t, http.StatusBadRequest)

	var found bool
	for _, r := range e.auditRows(admin, "event_type=invitation_revoked") {
		if r.EventType == "invitation_revoked" && r.TargetID == inv.ID.String() {
			found = strings.Contains(string(r.Details), "revoked@example.test") && strings.Contains(string(r.Details), "member")
		}
	}
	if !found {
		t.Errorf("no invitation_revoked audit row naming revoked@example.test as member")
	}
}
