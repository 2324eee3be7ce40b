package api

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// callerKind is how a caller authenticates.
type callerKind int

const (
	anonymousCaller callerKind = iota
	sessionCaller
	apiKeyCaller
	agentCaller
	enrollmentCaller
)

// caller is one principal of the authorization matrix, made fresh for each
// request so that logout or revoking a key cannot spoil the next row.
type caller struct {
	kind  callerKind
	role  auth.Role // people only
	fx    *tenantFx // the caller's tenant (tenant A for anonymous)
	cred  cred
	agent testAgent // agent callers only
}

// isPerson reports whether the caller is a person (session or API key).
func (c *caller) isPerson() bool { return c.kind == sessionCaller || c.kind == apiKeyCaller }

// creator is the user who owns objects made on the caller's behalf.
func (c *caller) creator() auth.Role {
	if c.isPerson() {
		return c.role
	}
	return auth.RoleOwner
}

// target is one concrete request for a route.
type target struct {
	path string
	body any
	hdr  []string // extra headers, name and value pairs
	ok   int      // success status when it differs from the row's
}

// authzRow is what a route must demand, written independently of routes.go
// so that loosening a route there fails this test.
type authzRow struct {
	access  access
	minRole auth.Role
	ok      int
	build   func(e *env, c *caller, standing map[uuid.UUID]testAgent) target
}

func static(path string) func(*env, *caller, map[uuid.UUID]testAgent) target {
	return func(*env, *caller, map[uuid.UUID]testAgent) target { return target{path: path} }
}

// authzRows has one row per route, keyed "METHOD path".
var authzRows = map[string]authzRow{
	"GET /api/v1/health":       {access: public, ok: 200, build: static("/api/v1/health")},
	"GET /metrics":             {access: public, ok: 200, build: static("/metrics")},
	"GET /api/v1/openapi.json": {access: public, ok: 200, build: static("/api/v1/openapi.json")},
	"GET /api/v1/docs":         {access: public, ok: 200, build: static("/api/v1/docs")},
	"POST /api/v1/auth/login": {access: public, ok: 200,
		build: func(_ *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/auth/login", body: loginRequest{Email: c.fx.email(auth.RoleViewer), Password: testPassword}}
		}},
	"POST /api/v1/auth/logout": {access: person, minRole: auth.RoleViewer, ok: 204, build: static("/api/v1/auth/logout")},
	"POST /api/v1/auth/totp/challenge": {access: public, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			ch, code := e.totpChallenge(c.fx)
			return target{path: "/api/v1/auth/totp/challenge", body: totpChallengeRequest{Challenge: ch, Code: code}}
		}},
	"POST /api/v1/auth/totp/setup": {access: signedIn, minRole: auth.RoleViewer, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			e.exec(`UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = $1`, c.fx.Users[c.creator()].ID)
			return target{path: "/api/v1/auth/totp/setup"}
		}},
	"POST /api/v1/auth/totp/verify": {access: signedIn, minRole: auth.RoleViewer, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			code := e.setTOTP(c.fx.Users[c.creator()].ID, false)
			return target{path: "/api/v1/auth/totp/verify", body: totpCodeRequest{Code: code}}
		}},
	"POST /api/v1/auth/totp/disable": {access: signedIn, minRole: auth.RoleViewer, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			code := e.setTOTP(c.fx.Users[c.creator()].ID, true)
			return target{path: "/api/v1/auth/totp/disable", body: totpCodeRequest{Code: code}}
		}},
	"POST /api/v1/auth/forgot-password": {access: public, ok: 202,
		build: func(_ *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/auth/forgot-password", body: forgotRequest{Email: c.fx.email(auth.RoleViewer)}}
		}},
	"POST /api/v1/auth/change-password": {access: signedIn, minRole: auth.RoleViewer, ok: 204,
		build: func(_ *env, _ *caller, _ map[uuid.UUID]testAgent) target {
			// The same password again: later rows still sign in with it.
			return target{path: "/api/v1/auth/change-password", body: changePasswordRequest{CurrentPassword: testPassword, NewPassword: testPassword}}
		}},
	"POST /api/v1/auth/reset-password": {access: public, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/auth/reset-password", body: resetRequest{Token: e.resetToken(c.fx), Password: testPassword}}
		}},
	"POST /api/v1/auth/accept-invite": {access: public, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			tok := e.invitation(c.fx, "new-"+uuid.NewString()+"@example.test", auth.RoleViewer)
			return target{path: "/api/v1/auth/accept-invite", body: acceptInviteRequest{Token: tok, Password: testPassword}}
		}},
	"GET /api/v1/auth/tenants": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/auth/tenants")},
	"GET /api/v1/auth/session": {access: signedIn, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/auth/session")},
	"GET /api/v1/fleet":        {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/fleet")},
	"POST /api/v1/auth/switch-tenant": {access: signedIn, minRole: auth.RoleViewer, ok: 200,
		build: func(_ *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/auth/switch-tenant", body: switchTenantRequest{TenantID: c.fx.Tenant.ID}}
		}},
	"GET /api/v1/sessions": {access: signedIn, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/sessions")},
	"DELETE /api/v1/sessions/:id": {access: signedIn, minRole: auth.RoleViewer, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/sessions/" + e.sessionID(e.session(c.fx, c.creator())).String()}
		}},

	"POST /api/v1/invitations": {access: person, minRole: auth.RoleAdmin, ok: 201,
		build: func(*env, *caller, map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/invitations", body: inviteRequest{Email: uuid.NewString() + "@example.test", Role: "viewer"}}
		}},
	"GET /api/v1/invitations": {access: person, minRole: auth.RoleAdmin, ok: 200, build: static("/api/v1/invitations")},
	"DELETE /api/v1/invitations/:id": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			e.invitation(c.fx, "revoke-"+uuid.NewString()+"@example.test", auth.RoleViewer)
			return target{path: "/api/v1/invitations/" + e.latestInvitation(c.fx).String()}
		}},
	"GET /api/v1/members": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/members")},
	"PATCH /api/v1/members/:id": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/members/" + e.extraUser(c.fx, auth.RoleViewer).ID.String(), body: memberRoleRequest{Role: "member"}}
		}},
	"DELETE /api/v1/members/:id": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/members/" + e.extraUser(c.fx, auth.RoleViewer).ID.String()}
		}},

	"POST /api/v1/api-keys": {access: person, minRole: auth.RoleViewer, ok: 201,
		build: func(*env, *caller, map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/api-keys", body: createAPIKeyRequest{Name: "matrix"}}
		}},
	"GET /api/v1/api-keys": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/api-keys")},
	"DELETE /api/v1/api-keys/:id": {access: person, minRole: auth.RoleViewer, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			_, k := e.apiKeyBy(c.fx, c.creator(), auth.RoleViewer, nil)
			return target{path: "/api/v1/api-keys/" + k.ID.String()}
		}},

	"POST /api/v1/enrollment-tokens": {access: person, minRole: auth.RoleAdmin, ok: 201,
		build: func(*env, *caller, map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/enrollment-tokens", body: createEnrollmentRequest{Name: "matrix"}}
		}},
	"GET /api/v1/enrollment-tokens": {access: person, minRole: auth.RoleAdmin, ok: 200, build: static("/api/v1/enrollment-tokens")},
	"DELETE /api/v1/enrollment-tokens/:id": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			_, et := e.enrollmentToken(c.fx.Tenant.ID, nil, nil)
			return target{path: "/api/v1/enrollment-tokens/" + et.ID.String()}
		}},

	"POST /api/v1/agents/register": {access: enrollment, ok: 201,
		build: func(_ *env, c *caller, _ map[uuid.UUID]testAgent) target {
			if c.kind == agentCaller { // an agent re-registers its own machine
				return target{path: "/api/v1/agents/register", ok: 200,
					body: wire.RegisterRequest{MachineID: c.agent.MachineID, Hostname: c.agent.Hostname}}
			}
			return target{path: "/api/v1/agents/register",
				body: wire.RegisterRequest{MachineID: "m-" + uuid.NewString(), Hostname: "matrix"}}
		}},
	"POST /api/v1/agents/:id/heartbeat": {access: ownAgent, ok: 200,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			id := standing[c.fx.Tenant.ID].ID
			if c.kind == agentCaller {
				id = c.agent.ID
			}
			return target{path: "/api/v1/agents/" + id.String() + "/heartbeat", body: wire.Heartbeat{UptimeS: 1}}
		}},
	// A plain GET (no Upgrade header) by the right agent answers 426; the
	// upgrade itself is tested in push_test.go.
	"GET /api/v1/ws/agents/:id": {access: ownAgent, ok: 426,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			id := standing[c.fx.Tenant.ID].ID
			if c.kind == agentCaller {
				id = c.agent.ID
			}
			return target{path: "/api/v1/ws/agents/" + id.String()}
		}},
	// Console sockets: a plain GET answers 426 once the caller may pass;
	// the upgrade itself is tested in cmd/monsys (TestConsoleEndToEnd).
	"GET /api/v1/ws/agents/:id/console/:session_id": {access: ownAgent, ok: 426,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			id := standing[c.fx.Tenant.ID].ID
			if c.kind == agentCaller {
				id = c.agent.ID
			}
			return target{path: "/api/v1/ws/agents/" + id.String() + "/console/" + uuid.NewString()}
		}},
	"GET /api/v1/ws/console/:session_id": {access: public, ok: 426, build: static("/api/v1/ws/console/" + uuid.NewString())},
	// An empty body gets past the role check to validation (422); TOTP
	// and the agent's answer are tested in console_test.go.
	"POST /api/v1/agents/:id/console/start": {access: person, minRole: auth.RoleAdmin, ok: 422,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/agents/" + standing[c.fx.Tenant.ID].ID.String() + "/console/start", body: map[string]any{}}
		}},
	"POST /api/v1/agents/:id/emergency": {access: person, minRole: auth.RoleAdmin, ok: 422,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/agents/" + standing[c.fx.Tenant.ID].ID.String() + "/emergency", body: map[string]any{}}
		}},
	"GET /api/v1/agents/:id/emergency": {access: person, minRole: auth.RoleAdmin, ok: 200, build: standingPath("/emergency")},
	"DELETE /api/v1/agents/:id/emergency/:grant_id": {access: person, minRole: auth.RoleAdmin, ok: 404,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/agents/" + standing[c.fx.Tenant.ID].ID.String() + "/emergency/" + uuid.NewString()}
		}},
	"GET /api/v1/console/sessions":     {access: person, minRole: auth.RoleAdmin, ok: 200, build: static("/api/v1/console/sessions?state=ended")},
	"GET /api/v1/console/search":       {access: person, minRole: auth.RoleAdmin, ok: 200, build: static("/api/v1/console/search?q=rm+-rf")},
	"GET /api/v1/console/sessions/:id": {access: person, minRole: auth.RoleAdmin, ok: 404, build: static("/api/v1/console/sessions/" + uuid.NewString())},
	"GET /api/v1/console/sessions/:id/recording": {access: person, minRole: auth.RoleAdmin, ok: 404,
		build: static("/api/v1/console/sessions/" + uuid.NewString() + "/recording")},
	"DELETE /api/v1/console/sessions/:id": {access: person, minRole: auth.RoleAdmin, ok: 404, build: static("/api/v1/console/sessions/" + uuid.NewString())},
	"GET /api/v1/agent/install.sh": {access: public, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			tok, _ := e.enrollmentToken(c.fx.Tenant.ID, nil, nil)
			return target{path: "/api/v1/agent/install.sh?token=" + tok}
		}},
	// The matrix server has no MONSYS_AGENT_DIST_DIR: 404 for everyone;
	// dist_test.go serves a real file.
	"GET /api/v1/agent/download/linux/:arch": {access: public, ok: 404, build: static("/api/v1/agent/download/linux/amd64")},
	"POST /api/v1/ingest": {access: agentOnly, ok: 200,
		build: func(*env, *caller, map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/ingest", body: map[string]string{"batch_id": uuid.NewString()}}
		}},
	"POST /api/v1/write": {access: writer, minRole: auth.RoleMember, ok: 204,
		build: func(*env, *caller, map[uuid.UUID]testAgent) target {
			// A snappy block holding an empty WriteRequest.
			return target{path: "/api/v1/write", body: []byte{0},
				hdr: []string{"Content-Type", "application/x-protobuf", "Content-Encoding", "snappy"}}
		}},

	"GET /api/v1/agents": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/agents")},
	"GET /api/v1/agents/:id": {access: person, minRole: auth.RoleViewer, ok: 200,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/agents/" + standing[c.fx.Tenant.ID].ID.String()}
		}},
	"DELETE /api/v1/agents/:id": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/agents/" + e.agent(c.fx.Tenant.ID, "doomed").ID.String()}
		}},

	"POST /api/v1/agents/:id/rotate-token": {access: person, minRole: auth.RoleAdmin, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/agents/" + e.agent(c.fx.Tenant.ID, "rotated").ID.String() + "/rotate-token"}
		}},
	"POST /api/v1/agents/:id/rotate-signing-key": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/agents/" + e.agent(c.fx.Tenant.ID, "rekeyed").ID.String() + "/rotate-signing-key"}
		}},
	"GET /api/v1/agents/:id/metrics": {access: person, minRole: auth.RoleViewer, ok: 200,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/agents/" + standing[c.fx.Tenant.ID].ID.String() + "/metrics?interval=1m"}
		}},
	"GET /api/v1/metrics/top":   {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/metrics/top?metric=cpu_usage_ratio")},
	"GET /api/v1/metrics/names": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/metrics/names")},

	"GET /api/v1/audit-log":           {access: person, minRole: auth.RoleAdmin, ok: 200, build: static("/api/v1/audit-log?type=login_failed")},
	"GET /api/v1/audit-log/verify":    {access: person, minRole: auth.RoleAdmin, ok: 200, build: static("/api/v1/audit-log/verify")},
	"GET /api/v1/integrity-anomalies": {access: person, minRole: auth.RoleAdmin, ok: 200, build: static("/api/v1/integrity-anomalies")},
	"PATCH /api/v1/integrity-anomalies/:id/resolve": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/integrity-anomalies/" + e.anomaly(c.fx.Tenant.ID).String() + "/resolve"}
		}},

	"GET /api/v1/agents/:id/inventory":         {access: person, minRole: auth.RoleViewer, ok: 200, build: standingPath("/inventory")},
	"GET /api/v1/agents/:id/inventory/host":    {access: person, minRole: auth.RoleViewer, ok: 200, build: standingPath("/inventory/host")},
	"GET /api/v1/agents/:id/inventory/changes": {access: person, minRole: auth.RoleViewer, ok: 200, build: standingPath("/inventory/changes?kind=packages")},
	"GET /api/v1/agents/:id/processes":         {access: person, minRole: auth.RoleViewer, ok: 200, build: standingPath("/processes?sort=memory")},
	"GET /api/v1/inventory/search":             {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/inventory/search?name=openssl")},
	"GET /api/v1/inventory/cves":               {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/inventory/cves?severity=critical,high&fixed=true")},
	"GET /api/v1/inventory/cves/exceptions":    {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/inventory/cves/exceptions?expired=true")},
	"POST /api/v1/inventory/cves/exceptions": {access: person, minRole: auth.RoleAdmin, ok: 201,
		build: func(*env, *caller, map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/inventory/cves/exceptions", body: map[string]any{"cve": "CVE-2023-38545", "reason": "authz",
				"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}
		}},
	"DELETE /api/v1/inventory/cves/exceptions/:id": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/inventory/cves/exceptions/" + e.cveException(c.fx.Tenant.ID).String()}
		}},
	"GET /api/v1/inventory/cves/:cve": {access: person, minRole: auth.RoleViewer, ok: 200,
		build: func(e *env, _ *caller, _ map[uuid.UUID]testAgent) target {
			e.importOSV()
			return target{path: "/api/v1/inventory/cves/CVE-2023-38545"}
		}},
	"GET /api/v1/agents/:id/updates":    {access: person, minRole: auth.RoleViewer, ok: 200, build: standingPath("/updates?security=true")},
	"GET /api/v1/agents/:id/cves":       {access: person, minRole: auth.RoleViewer, ok: 200, build: standingPath("/cves?severity=critical")},
	"GET /api/v1/agents/:id/governance": {access: person, minRole: auth.RoleViewer, ok: 200, build: standingPath("/governance")},
	"PUT /api/v1/agents/:id/governance": {access: person, minRole: auth.RoleAdmin, ok: 200,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/agents/" + standing[c.fx.Tenant.ID].ID.String() + "/governance",
				body: map[string]any{"owner": "ops", "tags": []string{"pci"}}}
		}},

	"GET /api/v1/alerts": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/alerts?state=firing")},
	"GET /api/v1/alerts/:id": {access: person, minRole: auth.RoleViewer, ok: 200,
		build: func(e *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/alerts/" + e.firingAlert(c.fx.Tenant.ID, standing[c.fx.Tenant.ID].ID).String()}
		}},
	"PATCH /api/v1/alerts/:id/resolve": {access: person, minRole: auth.RoleMember, ok: 200,
		build: func(e *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/alerts/" + e.firingAlert(c.fx.Tenant.ID, standing[c.fx.Tenant.ID].ID).String() + "/resolve",
				body: resolveAlertRequest{Note: "matrix"}}
		}},
	"GET /api/v1/alert-rules": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/alert-rules")},
	"POST /api/v1/alert-rules": {access: person, minRole: auth.RoleMember, ok: 201,
		build: func(*env, *caller, map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/alert-rules", body: matrixRule()}
		}},
	"POST /api/v1/alert-rules/defaults": {access: person, minRole: auth.RoleMember, ok: 200, build: static("/api/v1/alert-rules/defaults")},
	"GET /api/v1/alert-rules/:id": {access: person, minRole: auth.RoleViewer, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/alert-rules/" + e.rule(c.fx).String()}
		}},
	"PUT /api/v1/alert-rules/:id": {access: person, minRole: auth.RoleMember, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/alert-rules/" + e.rule(c.fx).String(), body: matrixRule()}
		}},
	"DELETE /api/v1/alert-rules/:id": {access: person, minRole: auth.RoleMember, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/alert-rules/" + e.rule(c.fx).String()}
		}},

	"GET /api/v1/security": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/security")},
	"GET /api/v1/ai/explain": {access: person, minRole: auth.RoleViewer, ok: 200,
		build: static("/api/v1/ai/explain?log=sshd%5B1%5D%3A+Invalid+user+admin+from+192.0.2.1")},

	"GET /api/v1/topology/nodes": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/topology/nodes")},
	"POST /api/v1/topology/nodes": {access: person, minRole: auth.RoleMember, ok: 201,
		build: func(_ *env, _ *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/topology/nodes", body: nodeRequest{Kind: "device", Name: "switch-" + uuid.NewString()}}
		}},
	"PATCH /api/v1/topology/nodes/:id": {access: person, minRole: auth.RoleMember, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/topology/nodes/" + e.topologyNode(c.fx, "sw").String(), body: nodeRequest{Name: "renamed"}}
		}},
	"DELETE /api/v1/topology/nodes/:id": {access: person, minRole: auth.RoleMember, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/topology/nodes/" + e.topologyNode(c.fx, "sw").String()}
		}},
	"GET /api/v1/topology/edges": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/topology/edges")},
	"POST /api/v1/topology/edges": {access: person, minRole: auth.RoleMember, ok: 201,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/topology/edges", body: edgeRequest{From: e.topologyNode(c.fx, "a"), To: e.topologyNode(c.fx, "b"), Protocol: "tcp"}}
		}},
	"DELETE /api/v1/topology/edges/:id": {access: person, minRole: auth.RoleMember, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/topology/edges/" + e.topologyEdge(c.fx).String()}
		}},
	"GET /api/v1/topology/zones": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/topology/zones")},
	"POST /api/v1/topology/zones": {access: person, minRole: auth.RoleMember, ok: 201,
		build: func(_ *env, _ *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/topology/zones", body: zoneRequest{Name: "zone-" + uuid.NewString(), Kind: "site"}}
		}},
	"GET /api/v1/topology/detected": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/topology/detected?unmatched=1")},
	"POST /api/v1/topology/detected/:id/promote": {access: person, minRole: auth.RoleMember, ok: 201,
		build: func(e *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/topology/detected/" + e.detectedPeer(c.fx, standing[c.fx.Tenant.ID].ID, "198.51.100.7") + "/promote"}
		}},
	"GET /api/v1/topology/snapshots": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/topology/snapshots")},
	"POST /api/v1/topology/snapshots": {access: person, minRole: auth.RoleMember, ok: 201,
		build: func(_ *env, _ *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/topology/snapshots", body: snapshotRequest{Name: "before"}}
		}},
	"GET /api/v1/topology/snapshots/:id/diff": {access: person, minRole: auth.RoleViewer, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/topology/snapshots/" + e.snapshot(c.fx).String() + "/diff?against=" + e.snapshot(c.fx).String()}
		}},
	"GET /api/v1/topology/export/mermaid": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/topology/export/mermaid")},
	"GET /api/v1/diagrams":                {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/diagrams")},
	"POST /api/v1/diagrams": {access: person, minRole: auth.RoleMember, ok: 201,
		build: func(_ *env, _ *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/diagrams", body: diagramRequest{Name: "net", Source: "flowchart LR\n  a --> b\n"}}
		}},
	"POST /api/v1/diagrams/generate": {access: person, minRole: auth.RoleMember, ok: 201,
		build: func(_ *env, _ *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/diagrams/generate", body: generateRequest{Name: "all"}}
		}},
	"GET /api/v1/diagrams/templates": {access: person, minRole: auth.RoleViewer, ok: 200, build: static("/api/v1/diagrams/templates")},
	"POST /api/v1/diagrams/from-template/:id": {access: person, minRole: auth.RoleMember, ok: 201,
		build: static("/api/v1/diagrams/from-template/three-tier-web")},
	"GET /api/v1/diagrams/share/:token": {access: public, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/diagrams/share/" + e.sharedToken(c.fx)}
		}},
	"GET /api/v1/diagrams/:id": {access: person, minRole: auth.RoleViewer, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/diagrams/" + e.diagram(c.fx, "d").String()}
		}},
	"PUT /api/v1/diagrams/:id": {access: person, minRole: auth.RoleMember, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/diagrams/" + e.diagram(c.fx, "d").String(), body: diagramRequest{Name: "d2", Source: "flowchart LR\n  b --> c\n"}}
		}},
	"DELETE /api/v1/diagrams/:id": {access: person, minRole: auth.RoleMember, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/diagrams/" + e.diagram(c.fx, "d").String()}
		}},
	"POST /api/v1/diagrams/:id/share": {access: person, minRole: auth.RoleMember, ok: 201,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/diagrams/" + e.diagram(c.fx, "d").String() + "/share", body: shareRequest{ExpiresInHours: 2}}
		}},
	"POST /api/v1/diagrams/:id/unshare": {access: person, minRole: auth.RoleMember, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/diagrams/" + e.diagram(c.fx, "d").String() + "/unshare"}
		}},
	"GET /api/v1/blast-radius/:id": {access: person, minRole: auth.RoleViewer, ok: 200,
		build: func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/blast-radius/" + standing[c.fx.Tenant.ID].ID.String() + "?depth=3"}
		}},
	"GET /api/v1/webhooks": {access: person, minRole: auth.RoleAdmin, ok: 200, build: static("/api/v1/webhooks")},
	"POST /api/v1/webhooks": {access: person, minRole: auth.RoleAdmin, ok: 201,
		build: func(*env, *caller, map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/webhooks", body: createWebhookRequest{URL: "https://hooks.example.com/monsys"}}
		}},
	"DELETE /api/v1/webhooks/:id": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/webhooks/" + e.webhook(c.fx).String()}
		}},
	"GET /api/v1/webhooks/:id/deliveries": {access: person, minRole: auth.RoleAdmin, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/webhooks/" + e.webhook(c.fx).String() + "/deliveries"}
		}},

	"GET /api/v1/notification-channels": {access: person, minRole: auth.RoleAdmin, ok: 200, build: static("/api/v1/notification-channels")},
	"POST /api/v1/notification-channels": {access: person, minRole: auth.RoleAdmin, ok: 201,
		build: func(*env, *caller, map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/notification-channels", body: channelRequest{Name: "ops", URL: "ntfy://ntfy.sh/monsys"}}
		}},
	"GET /api/v1/notification-channels/:id": {access: person, minRole: auth.RoleAdmin, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/notification-channels/" + e.channel(c.fx).String()}
		}},
	"PATCH /api/v1/notification-channels/:id": {access: person, minRole: auth.RoleAdmin, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			name := "renamed"
			return target{path: "/api/v1/notification-channels/" + e.channel(c.fx).String(), body: channelPatch{Name: &name}}
		}},
	"DELETE /api/v1/notification-channels/:id": {access: person, minRole: auth.RoleAdmin, ok: 204,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/notification-channels/" + e.channel(c.fx).String()}
		}},
	"POST /api/v1/notification-channels/:id/test": {access: person, minRole: auth.RoleAdmin, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/notification-channels/" + e.channel(c.fx).String() + "/test"}
		}},
	"GET /api/v1/notification-channels/:id/deliveries": {access: person, minRole: auth.RoleAdmin, ok: 200,
		build: func(e *env, c *caller, _ map[uuid.UUID]testAgent) target {
			return target{path: "/api/v1/notification-channels/" + e.channel(c.fx).String() + "/deliveries"}
		}},
}

func init() {
	for _, k := range inventoryKinds {
		authzRows["GET /api/v1/agents/:id/inventory/"+k.Segment] = authzRow{access: person, minRole: auth.RoleViewer, ok: 200,
			build: standingPath("/inventory/" + k.Segment)}
	}
}

// standingPath targets a path under the caller's tenant's standing agent.
func standingPath(suffix string) func(*env, *caller, map[uuid.UUID]testAgent) target {
	return func(_ *env, c *caller, standing map[uuid.UUID]testAgent) target {
		return target{path: "/api/v1/agents/" + standing[c.fx.Tenant.ID].ID.String() + suffix}
	}
}

// expected is the status the caller must get from a route of the row.
func (row authzRow) expected(c *caller, tgt target) int {
	ok := row.ok
	if tgt.ok != 0 {
		ok = tgt.ok
	}
	switch row.access {
	case public:
		return ok
	case person:
		if !c.isPerson() {
			return http.StatusUnauthorized
		}
		if !c.role.AtLeast(row.minRole) {
			return http.StatusForbidden
		}
		return ok
	case signedIn: // people, by session cookie only
		if c.kind != sessionCaller {
			return http.StatusUnauthorized
		}
		if !c.role.AtLeast(row.minRole) {
			return http.StatusForbidden
		}
		return ok
	case agentOnly, ownAgent: // ownAgent rows send an agent its own id
		if c.kind != agentCaller {
			return http.StatusUnauthorized
		}
		return ok
	case enrollment:
		if c.kind != agentCaller && c.kind != enrollmentCaller {
			return http.StatusUnauthorized
		}
		return ok
	case writer: // agent tokens, or API keys (not sessions) with the role
		switch {
		case c.kind == agentCaller:
			return ok
		case c.kind != apiKeyCaller:
			return http.StatusUnauthorized
		case !c.role.AtLeast(row.minRole):
			return http.StatusForbidden
		}
		return ok
	}
	panic("unknown access")
}

func routeKey(r route) string { return r.Method + " " + r.Path }

// TestAuthorizationMatrix sends every route every kind of caller and checks
// 401 (no acceptable credential), 403 (role too low) or the route's success
// status. A route without a row, or a row without a route, fails the test.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.newTenant("alpha"), e.newTenant("beta")
	standing := map[uuid.UUID]testAgent{
		a.Tenant.ID: e.agent(a.Tenant.ID, "standing-a"),
		b.Tenant.ID: e.agent(b.Tenant.ID, "standing-b"),
	}

	inTable := map[string]bool{}
	for _, r := range e.srv.routes {
		k := routeKey(r)
		inTable[k] = true
		row, ok := authzRows[k]
		if !ok {
			t.Errorf("route %s has no row in authzRows: add what it must demand", k)
			continue
		}
		if r.Access != row.access || r.MinRole != row.minRole {
			t.Errorf("route %s: routes.go says access %d min role %q, the matrix expects %d %q", k, r.Access, r.MinRole, row.access, row.minRole)
		}
	}
	for k := range authzRows {
		if !inTable[k] {
			t.Errorf("authzRows has %s, which the route table does not serve", k)
		}
	}

	specs := matrixCallers(a, b)

	keys := make([]string, 0, len(e.srv.routes))
	routes := map[string]route{}
	for _, r := range e.srv.routes {
		keys = append(keys, routeKey(r))
		routes[routeKey(r)] = r
	}
	sort.Strings(keys)
	for _, k := range keys {
		row, ok := authzRows[k]
		if !ok {
			continue // reported above
		}
		r := routes[k]
		t.Run(strings.ReplaceAll(k, "/", "_"), func(t *testing.T) {
			e := e.with(t)
			for _, spec := range specs {
				c := spec.make(e)
				tgt := row.build(e, c, standing)
				want := row.expected(c, tgt)
				got := e.do(r.Method, tgt.path, c.cred, tgt.body, tgt.hdr...)
				if got.Status != want {
					t.Errorf("%s: %s %s = %d, want %d; body: %.300s", spec.name, r.Method, tgt.path, got.Status, want, got.Body)
					continue
				}
				if want >= 400 {
					if ct := got.Header.Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("%s: %d answered with Content-Type %q, want a problem", spec.name, want, ct)
					}
				}
			}
		})
	}
}

// callerSpec makes one kind of caller of the matrix, fresh for each use.
type callerSpec struct {
	name string
	make func(e *env) *caller
}

// matrixCallers are every kind of caller: anonymous, a session and an API
// key of each role in tenant a, an owner of tenant b both ways, an agent
// token and an enrollment token of tenant a.
func matrixCallers(a, b *tenantFx) []callerSpec {
	specs := []callerSpec{{"anonymous", func(e *env) *caller { return &caller{kind: anonymousCaller, fx: a} }}}
	for _, role := range auth.AllRoles() {
		specs = append(specs,
			callerSpec{"session-" + string(role), func(e *env) *caller {
				return &caller{kind: sessionCaller, role: role, fx: a, cred: e.session(a, role)}
			}},
			callerSpec{"apikey-" + string(role), func(e *env) *caller {
				c, _ := e.apiKey(a, role)
				return &caller{kind: apiKeyCaller, role: role, fx: a, cred: c}
			}})
	}
	return append(specs,
		callerSpec{"other-tenant-owner-session", func(e *env) *caller {
			return &caller{kind: sessionCaller, role: auth.RoleOwner, fx: b, cred: e.session(b, auth.RoleOwner)}
		}},
		callerSpec{"other-tenant-owner-apikey", func(e *env) *caller {
			c, _ := e.apiKey(b, auth.RoleOwner)
			return &caller{kind: apiKeyCaller, role: auth.RoleOwner, fx: b, cred: c}
		}},
		callerSpec{"agent-token", func(e *env) *caller {
			ag := e.agent(a.Tenant.ID, "caller-agent")
			return &caller{kind: agentCaller, fx: a, cred: ag.cred(), agent: ag}
		}},
		callerSpec{"enrollment-token", func(e *env) *caller {
			tok, _ := e.enrollmentToken(a.Tenant.ID, nil, nil)
			return &caller{kind: enrollmentCaller, fx: a, cred: cred{Bearer: tok}}
		}},
	)
}
