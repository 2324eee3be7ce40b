package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// TestTenantIsolation checks that another tenant's objects answer 404 to
// every id-taking route, stay untouched, and never appear in lists.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.newTenant("alpha"), e.newTenant("beta")
	aOwner, bOwner := e.session(a, auth.RoleOwner), e.session(b, auth.RoleOwner)

	aAgent, bAgent := e.agent(a.Tenant.ID, "a-host"), e.agent(b.Tenant.ID, "b-host")
	_, aKey := e.apiKey(a, auth.RoleMember)
	bKeyCred, bKey := e.apiKey(b, auth.RoleMember)
	_, aEnroll := e.enrollmentToken(a.Tenant.ID, nil, nil)
	bEnrollTok, bEnroll := e.enrollmentToken(b.Tenant.ID, nil, nil)

	// Give beta an anomaly: a pinned machine re-registering unproven.
	k := newSigningKey(t)
	pinned := wire.RegisterRequest{MachineID: "b-pinned", Hostname: "b-pinned", SigningPubkey: k.B64}
	e.register(bEnrollTok, pinned).want(t, http.StatusCreated, nil)
	e.register(bEnrollTok, pinned).wantProblem(t, http.StatusConflict)

	// Every route that names an object by id answers 404 for beta's object,
	// to each kind of alpha credential the route takes.
	foreign := map[string]string{
		"POST /api/v1/agents/:id/heartbeat":    bAgent.ID.String(),
		"GET /api/v1/ws/agents/:id":            bAgent.ID.String(),
		"GET /api/v1/agents/:id":               bAgent.ID.String(),
		"GET /api/v1/agents/:id/metrics":       bAgent.ID.String(),
		"DELETE /api/v1/agents/:id":            bAgent.ID.String(),
		"DELETE /api/v1/api-keys/:id":          bKey.ID.String(),
		"DELETE /api/v1/enrollment-tokens/:id": bEnroll.ID.String(),

		"POST /api/v1/agents/:id/rotate-token":          bAgent.ID.String(),
		"POST /api/v1/agents/:id/rotate-signing-key":    bAgent.ID.String(),
		"PATCH /api/v1/integrity-anomalies/:id/resolve": e.latestAnomaly(b.Tenant.ID).String(),
		"PATCH /api/v1/members/:id":                     b.Users[auth.RoleViewer].ID.String(),
		"DELETE /api/v1/members/:id":                    b.Users[auth.RoleViewer].ID.String(),
		"DELETE /api/v1/sessions/:id":                   e.sessionID(bOwner).String(),
	}
	e.invitation(b, "pending@beta.test", auth.RoleViewer)
	foreign["DELETE /api/v1/invitations/:id"] = e.latestInvitation(b).String()
	bAlert, bRule, bHook, bChannel := e.firingAlert(b.Tenant.ID, bAgent.ID), e.rule(b), e.webhook(b), e.channel(b)
	bTopo := e.topologyObjects(bOwner, bAgent.ID)
	for _, r := range e.srv.routes {
		switch {
		case strings.HasPrefix(r.Path, "/api/v1/agents/:id/"):
			foreign[routeKey(r)] = bAgent.ID.String()
		case strings.HasPrefix(r.Path, "/api/v1/alerts/:id"):
			foreign[routeKey(r)] = bAlert.String()
		case strings.HasPrefix(r.Path, "/api/v1/alert-rules/:id"):
			foreign[routeKey(r)] = bRule.String()
		case strings.HasPrefix(r.Path, "/api/v1/webhooks/:id"):
			foreign[routeKey(r)] = bHook.String()
		case strings.HasPrefix(r.Path, "/api/v1/notification-channels/:id"):
			foreign[routeKey(r)] = bChannel.String()
		case strings.HasPrefix(r.Path, "/api/v1/inventory/cves/exceptions/:id"):
			foreign[routeKey(r)] = e.cveException(b.Tenant.ID).String()
		case strings.HasPrefix(r.Path, "/api/v1/ws/agents/:id/"):
			foreign[routeKey(r)] = bAgent.ID.String()
		case strings.HasPrefix(r.Path, "/api/v1/console/sessions/:id"):
			foreign[routeKey(r)] = e.consoleSession(b, bAgent.ID).String()
		case strings.HasPrefix(r.Path, "/api/v1/topology/nodes/:id"):
			foreign[routeKey(r)] = bTopo.node
		case strings.HasPrefix(r.Path, "/api/v1/topology/edges/:id"):
			foreign[routeKey(r)] = bTopo.edge
		case strings.HasPrefix(r.Path, "/api/v1/topology/detected/:id"):
			foreign[routeKey(r)] = bTopo.detected
		case strings.HasPrefix(r.Path, "/api/v1/topology/snapshots/:id"):
			foreign[routeKey(r)] = bTopo.snapshot
		case strings.HasPrefix(r.Path, "/api/v1/diagrams/:id"):
			foreign[routeKey(r)] = bTopo.diagram
		case strings.HasPrefix(r.Path, "/api/v1/blast-radius/:id"):
			foreign[routeKey(r)] = bAgent.ID.String()
		}
	}
	// A template id names a diagram shipped with the hub, the same for
	// every tenant: nothing of another tenant's to reach.
	notTenantObjects := map[string]bool{"POST /api/v1/diagrams/from-template/:id": true}
	// Valid bodies, so that only the foreign id can fail the request.
	bodies := map[string]any{
		"PUT /api/v1/agents/:id/governance":       map[string]any{"owner": "mallory"},
		"PUT /api/v1/alert-rules/:id":             matrixRule(),
		"PATCH /api/v1/alerts/:id/resolve":        resolveAlertRequest{Note: "not yours"},
		"PATCH /api/v1/members/:id":               memberRoleRequest{Role: "member"},
		"PATCH /api/v1/notification-channels/:id": map[string]any{"name": "mallory"},
		"PATCH /api/v1/topology/nodes/:id":        nodeRequest{Name: "mallory", Addresses: []string{}, Tags: []string{}},
		"PUT /api/v1/diagrams/:id":                diagramRequest{Name: "mallory", Source: "flowchart LR\n  a --> b"},
		"POST /api/v1/diagrams/:id/share":         map[string]any{"expires_in_hours": 1},
	}
	aOwnerKey, aOwnerKeyRow := e.apiKey(a, auth.RoleOwner)
	for _, r := range e.srv.routes {
		if !strings.Contains(r.Path, ":id") || notTenantObjects[routeKey(r)] {
			continue
		}
		id, ok := foreign[routeKey(r)]
		if !ok {
			t.Errorf("%s takes an id but has no row in this tenant isolation test", routeKey(r))
			continue
		}
		path := strings.Replace(r.Path, ":id", id, 1)
		callers := []cred{aOwner, aOwnerKey}
		body := bodies[routeKey(r)]
		if r.Access == signedIn {
			callers = []cred{aOwner}
		}
		if r.Access == agentOnly || r.Access == ownAgent {
			callers, body = []cred{aAgent.cred()}, wire.Heartbeat{}
		}
		for _, c := range callers {
			e.do(r.Method, path, c, body).wantProblem(t, http.StatusNotFound)
		}
	}
	// A foreign id answers exactly like an id that exists nowhere.
	foreignP := e.do("GET", "/api/v1/agents/"+bAgent.ID.String(), aOwner, nil).wantProblem(t, http.StatusNotFound)
	noneP := e.do("GET", "/api/v1/agents/"+uuid.NewString(), aOwner, nil).wantProblem(t, http.StatusNotFound)
	if foreignP.Type != noneP.Type || foreignP.Detail != noneP.Detail {
		t.Errorf("another tenant's agent answers %+v, a missing one %+v: the difference leaks existence", foreignP, noneP)
	}

	// Nothing of beta's changed.
	e.do("GET", "/api/v1/agents/"+bAgent.ID.String(), bOwner, nil).want(t, http.StatusOK, nil)
	var bCh channelReply
	if e.do("GET", "/api/v1/notification-channels/"+bChannel.String(), bOwner, nil).want(t, http.StatusOK, &bCh); bCh.Name != "ops" {
		t.Errorf("beta's channel after alpha's tries: %+v", bCh)
	}
	var gov governanceBody
	e.do("GET", "/api/v1/agents/"+bAgent.ID.String()+"/governance", bOwner, nil).want(t, http.StatusOK, &gov)
	var bAlerts page[alertReply]
	e.do("GET", "/api/v1/alerts?state=firing", bOwner, nil).want(t, http.StatusOK, &bAlerts)
	if gov.Owner != "" || len(bAlerts.Items) != 1 || bAlerts.Items[0].ID != bAlert {
		t.Fatalf("beta's governance %+v and firing alerts %+v after alpha's attempts", gov, bAlerts.Items)
	}
	e.do("GET", "/api/v1/alerts", aOwner, nil).want(t, http.StatusOK, &bAlerts)
	if len(bAlerts.Items) != 0 {
		t.Fatalf("alpha sees beta's alerts %+v", bAlerts.Items)
	}
	e.do("GET", "/api/v1/agents", bKeyCred, nil).want(t, http.StatusOK, nil)
	if s := e.heartbeatStatus(bAgent.ID.String(), bAgent.Token); s != http.StatusOK {
		t.Fatalf("beta's agent after alpha's attempts: heartbeat = %d", s)
	}
	e.register(bEnrollTok, wire.RegisterRequest{MachineID: "b-new", Hostname: "b-new"}).want(t, http.StatusCreated, nil)

	// Lists hold only the caller's tenant.
	var agents page[agentReply]
	e.do("GET", "/api/v1/agents", aOwner, nil).want(t, http.StatusOK, &agents)
	if got := ids(agents.Items, func(x agentReply) uuid.UUID { return x.ID }); len(got) != 1 || !got[aAgent.ID] {
		t.Fatalf("alpha's agents = %v, want only %s", got, aAgent.ID)
	}
	var keys page[apiKeyReply]
	e.do("GET", "/api/v1/api-keys", aOwner, nil).want(t, http.StatusOK, &keys)
	if got := ids(keys.Items, func(x apiKeyReply) uuid.UUID { return x.ID }); len(got) != 2 || !got[aKey.ID] || !got[aOwnerKeyRow.ID] {
		t.Fatalf("alpha's keys = %v, want only %s and %s", got, aKey.ID, aOwnerKeyRow.ID)
	}
	var tokens page[enrollmentReply]
	e.do("GET", "/api/v1/enrollment-tokens", aOwner, nil).want(t, http.StatusOK, &tokens)
	if got := ids(tokens.Items, func(x enrollmentReply) uuid.UUID { return x.ID }); len(got) != 1 || !got[aEnroll.ID] {
		t.Fatalf("alpha's enrollment tokens = %v, want only %s", got, aEnroll.ID)
	}
	var anomalies page[anomalyReply]
	e.do("GET", "/api/v1/integrity-anomalies", aOwner, nil).want(t, http.StatusOK, &anomalies)
	if len(anomalies.Items) != 0 {
		t.Fatalf("alpha sees anomalies %+v, all beta's", anomalies.Items)
	}
	e.do("GET", "/api/v1/integrity-anomalies", bOwner, nil).want(t, http.StatusOK, &anomalies)
	if len(anomalies.Items) != 1 {
		t.Fatalf("beta sees %d anomalies, want 1", len(anomalies.Items))
	}

	// A machine id is per tenant: the same machine enrolled by beta is a
	// new agent there and leaves alpha's alone.
	var dup wire.RegisterResponse
	e.register(bEnrollTok, wire.RegisterRequest{MachineID: aAgent.MachineID, Hostname: "same-machine"}).want(t, http.StatusCreated, &dup)
	if dup.AgentID == aAgent.ID.String() {
		t.Fatal("beta's enrollment token re-registered alpha's agent")
	}
	if s := e.heartbeatStatus(aAgent.ID.String(), aAgent.Token); s != http.StatusOK {
		t.Fatalf("alpha's agent after beta enrolled the same machine id: heartbeat = %d", s)
	}
	// An agent token registers only its own machine: it cannot enroll another.
	e.register(aAgent.Token, wire.RegisterRequest{MachineID: "b-pinned", Hostname: "x"}).wantProblem(t, http.StatusConflict)
}

// topologyIDs are one of each topology object of a tenant.
type topologyIDs struct{ node, edge, detected, snapshot, diagram string }

// topologyObjects makes, through the API as owner, two nodes and an edge,
// a snapshot and a diagram, and a detected connection of agentID.
func (e *env) topologyObjects(owner cred, agentID uuid.UUID) topologyIDs {
	e.t.Helper()
	var n1, n2, edge, snap, diag struct{ ID uuid.UUID }
	node := func(name string, out any) {
		e.do("POST", "/api/v1/topology/nodes", owner, nodeRequest{Kind: "device", Name: name, Addresses: []string{}, Tags: []string{}}).
			want(e.t, http.StatusCreated, out)
	}
	node("router", &n1)
	node("switch", &n2)
	e.do("POST", "/api/v1/topology/edges", owner, edgeRequest{From: n1.ID, To: n2.ID, Protocol: "tcp", Label: "uplink"}).
		want(e.t, http.StatusCreated, &edge)
	e.do("POST", "/api/v1/topology/snapshots", owner, snapshotRequest{Name: "before"}).want(e.t, http.StatusCreated, &snap)
	e.do("POST", "/api/v1/diagrams", owner, diagramRequest{Name: "map", Source: "flowchart LR\n  a --> b"}).
		want(e.t, http.StatusCreated, &diag)
	var detected int64
	if err := e.pool.QueryRow(context.Background(), `INSERT INTO topology_detected (tenant_id, from_agent, peer, proto, port, first_seen, last_seen)
		SELECT tenant_id, id, '192.0.2.9', 'tcp', 5432, now(), now() FROM agents WHERE id = $1 RETURNING id`, agentID).Scan(&detected); err != nil {
		e.t.Fatal(err)
	}
	return topologyIDs{node: n1.ID.String(), edge: edge.ID.String(), detected: strconv.FormatInt(detected, 10),
		snapshot: snap.ID.String(), diagram: diag.ID.String()}
}
