package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

func TestEnrollmentTokenLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin := e.session(fx, auth.RoleAdmin)

	var created createEnrollmentReply
	e.do("POST", "/api/v1/enrollment-tokens", admin, createEnrollmentRequest{Name: "rack 4", MaxUses: ptr(int32(2))}).
		want(t, http.StatusCreated, &created)
	if kind, err := auth.ParseToken(created.Token); err != nil || kind != auth.KindEnrollment {
		t.Fatalf("token %q: want a well-formed mse_ token", created.Token)
	}
	if !strings.Contains(created.Command, created.Token) || !strings.Contains(created.Command, e.base) {
		t.Errorf("command %q should name the hub %s and the token", created.Command, e.base)
	}
	if want := "curl -fsSL '" + e.base + "/api/v1/agent/install.sh?token=" + created.Token + "' | sudo sh"; created.InstallCommand != want {
		t.Errorf("install_command %q, want %q", created.InstallCommand, want)
	}
	if created.Name != "rack 4" || created.MaxUses == nil || *created.MaxUses != 2 || created.Uses != 0 {
		t.Fatalf("created %+v", created.enrollmentReply)
	}

	e.register(created.Token, wire.RegisterRequest{MachineID: "m-1", Hostname: "h-1"}).want(t, http.StatusCreated, nil)
	// Re-registering a known machine does not spend a use.
	e.register(created.Token, wire.RegisterRequest{MachineID: "m-1", Hostname: "h-1"}).want(t, http.StatusOK, nil)

	list := e.do("GET", "/api/v1/enrollment-tokens", admin, nil)
	var tokens page[enrollmentReply]
	list.want(t, http.StatusOK, &tokens)
	if bytes.Contains(list.Body, []byte(created.Token)) {
		t.Fatal("the token list shows the secret")
	}
	if len(tokens.Items) != 1 || tokens.Items[0].ID != created.ID || tokens.Items[0].Uses != 1 {
		t.Fatalf("tokens = %+v, want the one token with 1 use", tokens.Items)
	}

	e.do("DELETE", "/api/v1/enrollment-tokens/"+created.ID.String(), admin, nil).want(t, http.StatusNoContent, nil)
	e.register(created.Token, wire.RegisterRequest{MachineID: "m-2", Hostname: "h-2"}).wantProblem(t, http.StatusUnauthorized)
	e.do("DELETE", "/api/v1/enrollment-tokens/"+created.ID.String(), admin, nil).wantProblem(t, http.StatusNotFound)
	e.do("GET", "/api/v1/enrollment-tokens", admin, nil).want(t, http.StatusOK, &tokens)
	if len(tokens.Items) != 0 {
		t.Fatalf("revoked token still listed: %+v", tokens.Items)
	}
	// Agents it enrolled keep working.
	var agents page[agentReply]
	e.do("GET", "/api/v1/agents", admin, nil).want(t, http.StatusOK, &agents)
	if len(agents.Items) != 1 {
		t.Fatalf("%d agents, want the one enrolled", len(agents.Items))
	}

	for field, body := range map[string]createEnrollmentRequest{
		"name":       {Name: " "},
		"max_uses":   {Name: "x", MaxUses: ptr(int32(0))},
		"expires_at": {Name: "x", ExpiresAt: ptr(time.Now().Add(-time.Minute))},
	} {
		p := e.do("POST", "/api/v1/enrollment-tokens", admin, body).wantProblem(t, http.StatusUnprocessableEntity)
		if !p.hasFieldError(field) {
			t.Errorf("%+v: errors %+v, want one for %s", body, p.Errors, field)
		}
	}
	e.do("POST", "/api/v1/enrollment-tokens", admin, `{"name":"x","scope":"all"}`).wantProblem(t, http.StatusBadRequest)
}
