package api

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// auditRows reads the tenant's whole audit log through the API.
func (e *env) auditRows(c cred, query string) []auditReply {
	e.t.Helper()
	var out []auditReply
	cursor := ""
	for {
		q := "/api/v1/audit-log?limit=2&" + query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var pg page[auditReply]
		e.do("GET", q, c, nil).want(e.t, http.StatusOK, &pg)
		out = append(out, pg.Items...)
		if pg.NextCursor == "" {
			return out
		}
		cursor = pg.NextCursor
	}
}

// countEvents maps event_type to how many rows of it the log holds.
func countEvents(rows []auditReply) map[string]int {
	m := map[string]int{}
	for _, r := range rows {
		m[r.EventType]++
	}
	return m
}

// TestAuditRecordsEachActionOnce drives every wired action once over HTTP
// and checks the log holds exactly one row of its type, with the actor and
// target, paged by cursor and filtered.
func TestAuditRecordsEachActionOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin := e.session(fx, auth.RoleAdmin)
	key, keyRow := e.apiKey(fx, auth.RoleOwner)

	var k createAPIKeyReply
	e.do("POST", "/api/v1/api-keys", admin, createAPIKeyRequest{Name: "ci"}).want(t, http.StatusCreated, &k)
	e.do("DELETE", "/api/v1/api-keys/"+k.ID.String(), admin, nil).want(t, http.StatusNoContent, nil)
	var et createEnrollmentReply
	e.do("POST", "/api/v1/enrollment-tokens", key, createEnrollmentRequest{Name: "rack"}).want(t, http.StatusCreated, &et)
	var reg registerReply
	e.register(et.Token, wire.RegisterRequest{MachineID: "m-1", Hostname: "web-1"}).want(t, http.StatusCreated, &reg)
	e.do("DELETE", "/api/v1/enrollment-tokens/"+et.ID.String(), key, nil).want(t, http.StatusNoContent, nil)
	e.do("DELETE", "/api/v1/agents/"+reg.AgentID, admin, nil).want(t, http.StatusNoContent, nil)
	// Refused actions write nothing.
	e.do("DELETE", "/api/v1/agents/"+reg.AgentID, admin, nil).wantProblem(t, http.StatusNotFound)

	rows := e.auditRows(admin, "")
	want := map[string]int{"api_key_created": 1, "api_key_revoked": 1, "enrollment_token_created": 1,
		"agent_registered": 1, "enrollment_token_revoked": 1, "agent_deleted": 1}
	if got := countEvents(rows); len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	} else {
		for typ, n := range want {
			if got[typ] != n {
				t.Errorf("%s written %d times, want %d", typ, got[typ], n)
			}
		}
	}
	byType := map[string]auditReply{}
	for _, r := range rows {
		byType[r.EventType] = r
	}
	adminID := fx.Users[auth.RoleAdmin].ID.String()
	checks := []struct {
		typ, actorType, actor, targetType, target string
	}{
		{"api_key_created", "user", adminID, "api_key", k.ID.String()},
		{"api_key_revoked", "user", adminID, "api_key", k.ID.String()},
		{"enrollment_token_created", "api_key", keyRow.ID.String(), "enrollment_token", et.ID.String()},
		{"agent_registered", "system", "", "agent", reg.AgentID},
		{"agent_deleted", "user", adminID, "agent", reg.AgentID},
	}
	for _, c := range checks {
		r := byType[c.typ]
		if r.ActorType != c.actorType || r.ActorID != c.actor || r.TargetType != c.targetType || r.TargetID != c.target || r.IP != "127.0.0.1" {
			t.Errorf("%s: %+v, want actor %s %s, target %s %s, ip 127.0.0.1", c.typ, r, c.actorType, c.actor, c.targetType, c.target)
		}
	}
	if only := e.auditRows(admin, "type=agent_deleted"); len(only) != 1 || only[0].TargetID != reg.AgentID {
		t.Fatalf("type filter: %+v", only)
	}
	if only := e.auditRows(admin, "target="+reg.AgentID); len(only) != 2 {
		t.Fatalf("target filter: %d rows, want register and delete", len(only))
	}
	if only := e.auditRows(admin, "actor="+keyRow.ID.String()); len(only) != 2 {
		t.Fatalf("actor filter: %d rows, want the key's two", len(only))
	}
	if none := e.auditRows(admin, "until=2000-01-01T00:00:00Z"); len(none) != 0 {
		t.Fatalf("until filter: %d rows", len(none))
	}
	e.do("GET", "/api/v1/audit-log?since=yesterday", admin, nil).wantProblem(t, http.StatusUnprocessableEntity)

	// Another tenant sees none of it.
	other := e.newTenant("other")
	if rows := e.auditRows(e.session(other, auth.RoleOwner), ""); len(rows) != 0 {
		t.Fatalf("another tenant sees %d rows", len(rows))
	}
}

func TestAuditVerifyEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	owner := e.session(fx, auth.RoleOwner)
	for range 3 {
		e.do("POST", "/api/v1/enrollment-tokens", owner, createEnrollmentRequest{Name: "t"}).want(t, http.StatusCreated, nil)
	}
	var rep audit.Report
	e.do("GET", "/api/v1/audit-log/verify", owner, nil).want(t, http.StatusOK, &rep)
	if !rep.OK || rep.Checked != 3 {
		t.Fatalf("%+v, want ok over 3 rows", rep)
	}
	// A superuser edits the second row behind the trigger's back.
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE audit_log SET actor_id = $2 WHERE tenant_id = $1 AND seq = 2", fx.Tenant.ID, uuid.NewString())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/api/v1/audit-log/verify", owner, nil).want(t, http.StatusOK, &rep)
	if rep.OK || rep.Broken == nil || rep.Broken.Seq != 2 || rep.Checked != 1 {
		t.Fatalf("%+v, want the break at seq 2", rep)
	}
}
