package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/monsys/monsys/auth"
)

// TestConsoleStartRefusals: no TOTP, a wrong code, another tenant's
// agent, an agent that is not connected, a reused code and the hourly
// limit each get their own problem.
func TestConsoleStartRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx, other := e.newTenant("console-a"), e.newTenant("console-b")
	agent, foreign := e.agent(fx.Tenant.ID, "host-a"), e.agent(other.Tenant.ID, "host-b")
	admin := e.session(fx, auth.RoleAdmin)
	start := func(agentID, code string) reply {
		t.Helper()
		return e.do(http.MethodPost, "/api/v1/agents/"+agentID+"/console/start", admin,
			map[string]any{"reason": "load 400 on db-1", "code": code, "cols": 80, "rows": 24})
	}
	expect := func(what string, r reply, status int, says string) {
		t.Helper()
		if r.Status != status || !strings.Contains(string(r.Body), says) {
			t.Errorf("%s = %d %s; want %d saying %q", what, r.Status, r.Body, status, says)
		}
	}
	expect("without TOTP", start(agent.ID.String(), "123456"), http.StatusForbidden, "set up TOTP")
	code := e.setTOTP(fx.Users[auth.RoleAdmin].ID, true)
	expect("wrong code", start(agent.ID.String(), "000000"), http.StatusUnauthorized, "wrong or was already used")
	expect("another tenant's agent", start(foreign.ID.String(), code), http.StatusNotFound, "not-found")
	expect("agent not connected", start(agent.ID.String(), code), http.StatusConflict, "agent-not-connected")
	expect("the same code again", start(agent.ID.String(), code), http.StatusUnauthorized, "already used")
	r := start(agent.ID.String(), code)
	expect("sixth start in the hour", r, http.StatusTooManyRequests, "")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM console_sessions`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sessions stored for refused starts", n)
	}
}
