package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

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

// consoleSession stores an ended console session of the tenant's owner on
// agentID, with one recording chunk.
func (e *env) consoleSession(fx *tenantFx, agentID uuid.UUID) uuid.UUID {
	e.t.Helper()
	id := uuid.New()
	e.exec(`INSERT INTO console_sessions (id, tenant_id, agent_id, user_id, reason, state, cols, rows, max_seconds, expires_at,
		browser_ticket, agent_ticket) VALUES ($1, $2, $3, $4, 'test', 'ended', 80, 24, 60, now(), '\x00', '\x00')`,
		id, fx.Tenant.ID, agentID, fx.Users[auth.RoleOwner].ID)
	e.exec(`INSERT INTO console_chunks (session_id, seq, tenant_id, data, search_text) VALUES ($1, 0, $2, $3, 'secret')`,
		id, fx.Tenant.ID, []byte("[0.1, \"o\", \"secret\"]\n"))
	return id
}

// TestConsoleSearchIsTenantScoped: what one tenant's session showed is
// found by its admins and by nobody else's.
func TestConsoleSearchIsTenantScoped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.newTenant("search-a"), e.newTenant("search-b")
	id := e.consoleSession(b, e.agent(b.Tenant.ID, "b-host").ID)
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	e.do(http.MethodGet, "/api/v1/console/search?q=SECRET", e.session(b, auth.RoleAdmin), nil).want(t, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].ID != id.String() {
		t.Errorf("the tenant's own search found %+v, want %s", page.Items, id)
	}
	e.do(http.MethodGet, "/api/v1/console/search?q=SECRET", e.session(a, auth.RoleOwner), nil).want(t, http.StatusOK, &page)
	if len(page.Items) != 0 {
		t.Errorf("another tenant's search found %+v", page.Items)
	}
}
