package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/explain"
	"github.com/monsys/monsys/ratelimit"
	"github.com/monsys/monsys/topology"
	"github.com/monsys/monsys/wire"
)

// access says which credentials a route takes.
type access int

const (
	public     access = iota // anyone
	person                   // session cookie or API key, with at least minRole
	agentOnly                // agent token (msa_)
	enrollment               // enrollment token (mse_) or agent token
	writer                   // agent token, or API key with at least minRole (remote-write)
	signedIn                 // session cookie only: a person's own account settings, not for API keys
	ownAgent                 // agent token of the agent the path's :id names; another id answers 404
)

// route is one entry of the API: how it is reached, who may call it, and
// what the OpenAPI document says about it.
type route struct {
	Method  string
	Path    string // Fiber pattern, :param segments
	Access  access
	MinRole auth.Role // for person routes
	Handler fiber.Handler
	Tag     string
	Summary string
	Request any // zero value of the JSON body type, nil when none
	Reply   any // zero value of the success body type, nil when none
	Status  int // success status, 200 when 0
	Query   []queryParam
	Limit   *rateLimit // nil: no per-route limit
}

type queryParam struct {
	Name, Description string
}

// routeTable is every route monsys serves. The authorization test and the
// OpenAPI document are generated from it: a route not listed here does not
// exist.
func (s *Server) routeTable() []route {
	const v1 = "/api/v1"
	listQuery := []queryParam{{"limit", "page size, 1 to 500 (default 50)"}, {"cursor", "next_cursor of the previous page"}}
	routes := []route{
		{Method: "GET", Path: v1 + "/health", Access: public, Handler: s.health, Tag: "meta",
			Summary: "Liveness and database check", Reply: healthReply{}},
		{Method: "GET", Path: "/metrics", Access: public, Handler: s.prometheus, Tag: "meta",
			Summary: "Prometheus exposition of the hub's own metrics"},
		{Method: "GET", Path: v1 + "/openapi.json", Access: public, Handler: s.openAPI, Tag: "meta",
			Summary: "This API as an OpenAPI 3.1 document"},
		{Method: "GET", Path: v1 + "/docs", Access: public, Handler: s.docsPage, Tag: "meta",
			Summary: "Human-readable API reference (works offline)"},

		{Method: "POST", Path: v1 + "/auth/login", Access: public, Handler: s.login, Tag: "auth",
			Summary: "Sign in with email and password; sets the session cookie, or answers a TOTP challenge",
			Request: loginRequest{}, Reply: loginReply{}, Limit: loginLimit()},
		{Method: "POST", Path: v1 + "/auth/totp/challenge", Access: public, Handler: s.totpChallenge, Tag: "auth",
			Summary: "Finish a TOTP login with a code or a recovery code; answers like a login",
			Request: totpChallengeRequest{}, Reply: loginReply{}, Limit: totpChallengeLimit()},
		{Method: "POST", Path: v1 + "/auth/logout", Access: person, MinRole: auth.RoleViewer, Handler: s.logout, Tag: "auth",
			Summary: "End the current session", Status: 204},
		{Method: "POST", Path: v1 + "/auth/totp/setup", Access: signedIn, MinRole: auth.RoleViewer, Handler: s.totpSetup, Tag: "auth",
			Summary: "Start TOTP setup: a new secret, its otpauth URI and QR code (shown once)", Reply: totpSetupReply{}},
		{Method: "POST", Path: v1 + "/auth/totp/verify", Access: signedIn, MinRole: auth.RoleViewer, Handler: s.totpVerify, Tag: "auth",
			Summary: "Turn TOTP on with the first code; answers the recovery codes (shown once)",
			Request: totpCodeRequest{}, Reply: totpVerifyReply{}},
		{Method: "POST", Path: v1 + "/auth/totp/disable", Access: signedIn, MinRole: auth.RoleViewer, Handler: s.totpDisable, Tag: "auth",
			Summary: "Turn TOTP off; needs a current code", Request: totpCodeRequest{}, Status: 204},
		{Method: "POST", Path: v1 + "/auth/forgot-password", Access: public, Handler: s.forgotPassword, Tag: "auth",
			Summary: "Mail a password-reset link (30 minutes) if an account uses the address; the same answer either way",
			Request: forgotRequest{}, Reply: forgotReply{}, Status: 202, Limit: forgotLimit()},
		{Method: "POST", Path: v1 + "/auth/reset-password", Access: public, Handler: s.resetPassword, Tag: "auth",
			Summary: "Set a new password with a reset token; ends every session of the account", Request: resetRequest{}, Status: 204},
		{Method: "POST", Path: v1 + "/auth/accept-invite", Access: public, Handler: s.acceptInvite, Tag: "auth",
			Summary: "Accept an invitation: the existing account joins the tenant, or a new one is made with the password",
			Request: acceptInviteRequest{}, Reply: acceptInviteReply{}},
		{Method: "GET", Path: v1 + "/auth/tenants", Access: person, MinRole: auth.RoleViewer, Handler: s.listTenants, Tag: "auth",
			Summary: "The tenants the caller belongs to", Reply: page[tenantMembershipReply]{}},
		{Method: "GET", Path: v1 + "/auth/session", Access: signedIn, MinRole: auth.RoleViewer, Handler: s.sessionInfo, Tag: "auth",
			Summary: "The signed-in session as the login answered it (person, tenant, role, CSRF token), for pages opened later",
			Reply:   sessionInfoReply{}},
		{Method: "POST", Path: v1 + "/auth/switch-tenant", Access: signedIn, MinRole: auth.RoleViewer, Handler: s.switchTenant, Tag: "auth",
			Summary: "Move the session to another of the caller's tenants", Request: switchTenantRequest{}, Reply: tenantMembershipReply{}},
		{Method: "POST", Path: v1 + "/auth/change-password", Access: signedIn, MinRole: auth.RoleViewer, Handler: s.changePassword, Tag: "auth",
			Summary: "Change your password with the current one; your other sessions end", Request: changePasswordRequest{}, Status: 204,
			Limit: changePasswordLimit()},
		{Method: "GET", Path: v1 + "/sessions", Access: signedIn, MinRole: auth.RoleViewer, Handler: s.listSessions, Tag: "auth",
			Summary: "The caller's live sessions", Reply: page[sessionReply]{}},
		{Method: "DELETE", Path: v1 + "/sessions/:id", Access: signedIn, MinRole: auth.RoleViewer, Handler: s.revokeSession, Tag: "auth",
			Summary: "End one of the caller's sessions", Status: 204},

		{Method: "POST", Path: v1 + "/invitations", Access: person, MinRole: auth.RoleAdmin, Handler: s.invite, Tag: "members",
			Summary: "Invite someone by email with a role no higher than the caller's; the link is mailed",
			Request: inviteRequest{}, Reply: invitationReply{}, Status: 201, Limit: inviteLimit()},
		{Method: "GET", Path: v1 + "/invitations", Access: person, MinRole: auth.RoleAdmin, Handler: s.listInvitations, Tag: "members",
			Summary: "Pending invitations (not accepted, not expired), oldest first", Reply: page[invitationReply]{}, Query: listQuery},
		{Method: "DELETE", Path: v1 + "/invitations/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.revokeInvitation, Tag: "members",
			Summary: "Revoke a pending invitation: its link stops working (audited invitation_revoked)", Status: 204},
		{Method: "GET", Path: v1 + "/members", Access: person, MinRole: auth.RoleViewer, Handler: s.listMembers, Tag: "members",
			Summary: "The tenant's people and their roles", Reply: page[memberReply]{}, Query: listQuery},
		{Method: "PATCH", Path: v1 + "/members/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.setMemberRole, Tag: "members",
			Summary: "Change a member's role (never above the caller's; the last owner stays)", Request: memberRoleRequest{}, Status: 204},
		{Method: "DELETE", Path: v1 + "/members/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.removeMember, Tag: "members",
			Summary: "Remove a person from the tenant and end their sessions there", Status: 204},

		{Method: "POST", Path: v1 + "/api-keys", Access: person, MinRole: auth.RoleViewer, Handler: s.createAPIKey, Tag: "api-keys",
			Summary: "Create an API key with a role no higher than the caller's; the key is shown once",
			Request: createAPIKeyRequest{}, Reply: createAPIKeyReply{}, Status: 201},
		{Method: "GET", Path: v1 + "/api-keys", Access: person, MinRole: auth.RoleViewer, Handler: s.listAPIKeys, Tag: "api-keys",
			Summary: "List API keys (admins see the tenant's, others their own)", Reply: page[apiKeyReply]{}, Query: listQuery},
		{Method: "DELETE", Path: v1 + "/api-keys/:id", Access: person, MinRole: auth.RoleViewer, Handler: s.revokeAPIKey, Tag: "api-keys",
			Summary: "Revoke an API key (admins, or the key's creator)", Status: 204},

		{Method: "POST", Path: v1 + "/enrollment-tokens", Access: person, MinRole: auth.RoleAdmin, Handler: s.createEnrollmentToken, Tag: "agents",
			Summary: "Create an enrollment token for agents; the token is shown once",
			Request: createEnrollmentRequest{}, Reply: createEnrollmentReply{}, Status: 201},
		{Method: "GET", Path: v1 + "/enrollment-tokens", Access: person, MinRole: auth.RoleAdmin, Handler: s.listEnrollmentTokens, Tag: "agents",
			Summary: "List unrevoked enrollment tokens", Reply: page[enrollmentReply]{}, Query: listQuery},
		{Method: "DELETE", Path: v1 + "/enrollment-tokens/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.revokeEnrollmentToken, Tag: "agents",
			Summary: "Revoke an enrollment token (agents it enrolled keep working)", Status: 204},

		{Method: "POST", Path: v1 + "/agents/register", Access: enrollment, Handler: s.registerAgent, Tag: "agent-protocol",
			Summary: "Register a machine, idempotently per machine_id; pins its signing key on first use",
			Request: registerRequest{}, Reply: registerReply{}},
		{Method: "POST", Path: v1 + "/agents/:id/heartbeat", Access: ownAgent, Handler: s.heartbeat, Tag: "agent-protocol",
			Summary: "Report that the agent is alive", Request: heartbeatRequest{}, Reply: heartbeatReply{}},

		{Method: "GET", Path: v1 + "/ws/agents/:id", Access: ownAgent, Handler: s.agentSocket, Tag: "agent-protocol",
			Summary: "The agent's push WebSocket (ping/pong, config updates); the path id must be the token's agent",
			Status:  101, Limit: &rateLimit{Policy: ratelimit.Policy{Name: "push-connect", Quota: 30, Window: time.Minute}, Key: byAgent}},
		{Method: "GET", Path: v1 + "/ws/agents/:id/console/:session_id", Access: ownAgent, Handler: s.withConsole(s.consoleAgentSocket), Tag: "agent-protocol",
			Summary: "The agent's WebSocket for one console session, with the session's one-time ticket in X-Monsys-Console-Ticket",
			Status:  101, Limit: &rateLimit{Policy: ratelimit.Policy{Name: "console-dial", Quota: 30, Window: time.Minute}, Key: byAgent}},
		{Method: "GET", Path: v1 + "/ws/console/:session_id", Access: public, Handler: s.withConsole(s.consoleBrowserSocket), Tag: "console",
			Summary: "The person's console WebSocket: binary frames are terminal bytes, text frames JSON control (resize; ended last)",
			Status:  101, Query: []queryParam{{"ticket", "the one-time ticket in ws_url from console/start"}},
			Limit: &rateLimit{Policy: ratelimit.Policy{Name: "console-socket", Quota: 60, Window: time.Minute}, Key: byIP}},
		{Method: "POST", Path: v1 + "/agents/:id/console/start", Access: person, MinRole: auth.RoleAdmin, Handler: s.withConsole(s.consoleStart), Tag: "console",
			Summary: "Open a recorded emergency console on the agent (needs a fresh TOTP code and a reason)",
			Request: consoleStartRequest{}, Reply: consoleStartReply{}, Status: 201, Limit: limitPolicy("console_start", 5, time.Hour, byUser)},
		{Method: "GET", Path: v1 + "/console/sessions", Access: person, MinRole: auth.RoleAdmin, Handler: s.withConsole(s.listConsoleSessions), Tag: "console",
			Summary: "Console sessions, newest first", Reply: page[consoleSessionReply]{},
			Query: []queryParam{{"agent_id", "only this agent's"}, {"user_id", "only this person's"},
				{"state", "pending, active, ended, terminated or failed"}, {"since", "created at or after (RFC 3339)"}, {"limit", "1 to 500 (default 50)"}}},
		{Method: "GET", Path: v1 + "/console/search", Access: person, MinRole: auth.RoleAdmin, Handler: s.withConsole(s.searchConsole), Tag: "console",
			Summary: "Console sessions whose recording shows or holds typed text containing q (ignoring case)", Reply: page[consoleSessionReply]{},
			Query: []queryParam{{"q", "2 to 200 characters"}, {"limit", "1 to 500 (default 50)"}}},
		{Method: "GET", Path: v1 + "/console/sessions/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.withConsole(s.getConsoleSession), Tag: "console",
			Summary: "One console session: who, when, why, state, exit status, bytes each way, recording hash", Reply: consoleSessionReply{}},
		{Method: "GET", Path: v1 + "/console/sessions/:id/recording", Access: person, MinRole: auth.RoleAdmin, Handler: s.withConsole(s.consoleRecording), Tag: "console",
			Summary: "The session's recording as asciicast v2 (application/x-asciicast); ?verify=1 checks it against the audited hash",
			Query:   []queryParam{{"verify", "1: answer {ok, computed_sha256, audited_sha256} instead"}}},
		{Method: "DELETE", Path: v1 + "/console/sessions/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.withConsole(s.terminateConsoleSession), Tag: "console",
			Summary: "Terminate a live session: the agent kills its process group (audited console_session_terminated_by_admin)", Reply: terminateReply{}, Status: 202},
		{Method: "POST", Path: v1 + "/agents/:id/emergency", Access: person, MinRole: auth.RoleAdmin, Handler: s.withConsole(s.createEmergencyGrant), Tag: "console",
			Summary: "Grant the agent an emergency window in which it accepts consoles (signed by the hub key; fresh TOTP code)",
			Request: emergencyRequest{}, Reply: grantReply{}, Status: 201, Limit: limitPolicy("emergency", 5, time.Hour, byUser)},
		{Method: "GET", Path: v1 + "/agents/:id/emergency", Access: person, MinRole: auth.RoleAdmin, Handler: s.withConsole(s.listEmergencyGrants), Tag: "console",
			Summary: "The agent's emergency grants, newest first", Reply: page[grantReply]{}},
		{Method: "DELETE", Path: v1 + "/agents/:id/emergency/:grant_id", Access: person, MinRole: auth.RoleAdmin, Handler: s.withConsole(s.revokeEmergencyGrant), Tag: "console",
			Summary: "Revoke an emergency grant: the agent stops accepting consoles under it", Status: 204},
		{Method: "GET", Path: v1 + "/agent/install.sh", Access: public, Handler: s.installScript, Tag: "agent-protocol",
			Summary: "A POSIX sh script that installs the agent for a live enrollment token (hub URL from MONSYS_PUBLIC_URL)",
			Query:   []queryParam{{"token", "a live enrollment token (mse_…)"}},
			Limit:   &rateLimit{Policy: ratelimit.Policy{Name: "agent-install", Quota: 60, Window: time.Minute}, Key: byIP}},
		{Method: "GET", Path: v1 + "/agent/download/linux/:arch", Access: public, Handler: s.agentDownload, Tag: "agent-protocol",
			Summary: "The agent binary for linux/amd64 or linux/arm64, from MONSYS_AGENT_DIST_DIR",
			Limit:   &rateLimit{Policy: ratelimit.Policy{Name: "agent-download", Quota: 60, Window: time.Minute}, Key: byIP}},

		{Method: "POST", Path: v1 + "/ingest", Access: agentOnly, Handler: s.ingestBatch, Tag: "agent-protocol",
			Summary: "Send a signed, compressed batch of metrics, heartbeat, inventory and alerts; answered after commit",
			Request: wire.Batch{}, Reply: wire.IngestResponse{},
			Limit: &rateLimit{Policy: ratelimit.Policy{Name: "ingest", Quota: s.cfg.IngestBatchesPerMinute, Window: time.Minute}, Key: byAgent}},
		{Method: "POST", Path: v1 + "/write", Access: writer, MinRole: auth.RoleMember, Handler: s.remoteWrite, Tag: "agent-protocol",
			Summary: "Prometheus remote-write v1 (snappy protobuf); answered 204 after commit", Status: 204},

		{Method: "GET", Path: v1 + "/agents", Access: person, MinRole: auth.RoleViewer, Handler: s.listAgents, Tag: "agents",
			Summary: "List agents, by hostname", Reply: page[agentReply]{},
			Query: append([]queryParam{{"status", "pending, online or offline"},
				{"hostname", "the hostname, ignoring case, matched as match says"},
				{"match", "how hostname matches: substring (default), prefix or exact"},
				{"os", "operating system as the agent registered it (linux) or as its host inventory names it (ubuntu, debian …)"},
				{"tag", "a governance tag the agent carries"},
				{"environment", "governance environment: production, staging, development or test"}}, listQuery...)},
		{Method: "GET", Path: v1 + "/fleet", Access: person, MinRole: auth.RoleViewer, Handler: s.fleetOverview, Tag: "agents",
			Summary: "The fleet at a glance: agents with status, environment, tags, latest CPU / memory / disk and an hour of CPU; filtered, sorted, paged",
			Reply:   fleetReply{}, Query: fleetQuery()},
		{Method: "GET", Path: v1 + "/agents/:id", Access: person, MinRole: auth.RoleViewer, Handler: s.getAgent, Tag: "agents",
			Summary: "One agent", Reply: agentReply{}},
		{Method: "DELETE", Path: v1 + "/agents/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.deleteAgent, Tag: "agents",
			Summary: "Retire an agent: its token stops working; its stored data stays until retention removes it", Status: 204},

		{Method: "POST", Path: v1 + "/agents/:id/rotate-token", Access: person, MinRole: auth.RoleAdmin, Handler: s.rotateAgentToken, Tag: "agents",
			Summary: "Give the agent a new token (shown once); the old one stops working", Reply: registerReply{}, Limit: rotateTokenLimit()},
		{Method: "POST", Path: v1 + "/agents/:id/rotate-signing-key", Access: person, MinRole: auth.RoleAdmin, Handler: s.rotateSigningKey, Tag: "agents",
			Summary: "Clear the agent's pinned signing key; its next registration pins a new one", Status: 204, Limit: rotateKeyLimit()},

		{Method: "GET", Path: v1 + "/agents/:id/metrics", Access: person, MinRole: auth.RoleViewer, Handler: s.agentMetrics, Tag: "metrics",
			Summary: "An agent's metrics over a range, from raw samples or the 1m/1h rollups as the interval asks",
			Reply:   metricsReply{}, Query: metricsQuery()},
		{Method: "GET", Path: v1 + "/metrics/top", Access: person, MinRole: auth.RoleViewer, Handler: s.topMetrics, Tag: "metrics",
			Summary: "The agents with the highest value of a metric over a range", Reply: topReply{}, Query: topQuery()},
		{Method: "GET", Path: v1 + "/metrics/names", Access: person, MinRole: auth.RoleViewer, Handler: s.metricNames, Tag: "metrics",
			Summary: "Metric names seen in the tenant, with their label keys and series counts", Reply: page[metricNameReply]{},
			Query: []queryParam{{"agent_id", "only this agent's metrics"}}},

		{Method: "GET", Path: v1 + "/audit-log", Access: person, MinRole: auth.RoleAdmin, Handler: s.listAuditLog, Tag: "audit",
			Summary: "The tenant's audit log, newest first", Reply: page[auditReply]{}, Query: auditQuery()},
		{Method: "GET", Path: v1 + "/audit-log/verify", Access: person, MinRole: auth.RoleAdmin, Handler: s.verifyAuditLog, Tag: "audit",
			Summary: "Recompute the tenant's audit hash chain and report the first broken link", Reply: audit.Report{}},

		{Method: "GET", Path: v1 + "/agents/:id/inventory", Access: person, MinRole: auth.RoleViewer, Handler: s.agentInventory, Tag: "inventory",
			Summary: "Every inventory kind the agent reported, with its collection time, error and item count", Reply: inventoryReply{}},
		{Method: "GET", Path: v1 + "/agents/:id/inventory/host", Access: person, MinRole: auth.RoleViewer, Handler: s.hostInventory, Tag: "inventory",
			Summary: "The machine as the agent's latest host inventory describes it: OS, kernel, CPU, memory, virtualization, boot time",
			Reply:   hostInventoryReply{}},
		{Method: "GET", Path: v1 + "/agents/:id/inventory/changes", Access: person, MinRole: auth.RoleViewer, Handler: s.inventoryChanges, Tag: "inventory",
			Summary: "What was added, removed or changed between consecutive inventory snapshots, oldest first",
			Reply:   page[inventoryChangeReply]{}, Query: changesQuery()},
		{Method: "GET", Path: v1 + "/agents/:id/processes", Access: person, MinRole: auth.RoleViewer, Handler: s.agentProcesses, Tag: "inventory",
			Summary: "The agent's latest top processes, by CPU or memory", Reply: processesReply{}, Query: processesQuery()},
		{Method: "GET", Path: v1 + "/inventory/search", Access: person, MinRole: auth.RoleViewer, Handler: s.searchInventory, Tag: "inventory",
			Summary: "Which agents hold an item (package, unit, user, key …) and in which version, from their latest inventories",
			Reply:   page[searchHitReply]{}, Query: searchQuery()},
		{Method: "GET", Path: v1 + "/inventory/cves", Access: person, MinRole: auth.RoleViewer, Handler: s.listCVEs, Tag: "vulnerabilities",
			Summary: "Installed packages with known CVEs, matched by each distribution's own version rules, by CVE and package with the agents affected; the first page counts them by severity",
			Reply:   cvesReply{}, Query: cvesQuery()},
		{Method: "GET", Path: v1 + "/inventory/cves/exceptions", Access: person, MinRole: auth.RoleViewer, Handler: s.listCVEExceptions, Tag: "vulnerabilities",
			Summary: "Exceptions that hide findings until they expire, oldest first (expired ones with expired=true)",
			Reply:   page[cveExceptionReply]{}, Query: append([]queryParam{{"expired", "true: include expired exceptions"}}, listQuery...)},
		{Method: "POST", Path: v1 + "/inventory/cves/exceptions", Access: person, MinRole: auth.RoleAdmin, Handler: s.createCVEException, Tag: "vulnerabilities",
			Summary: "Hide a CVE's findings (one package or all; one agent, a tag, or the fleet) until expires_at, with a reason (audited vuln_exception_created)",
			Request: createCVEExceptionRequest{}, Reply: cveExceptionReply{}, Status: 201},
		{Method: "DELETE", Path: v1 + "/inventory/cves/exceptions/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.deleteCVEException, Tag: "vulnerabilities",
			Summary: "Remove an exception: its findings show again (audited vuln_exception_deleted)", Status: 204},
		{Method: "GET", Path: v1 + "/inventory/cves/:cve", Access: person, MinRole: auth.RoleViewer, Handler: s.getCVE, Tag: "vulnerabilities",
			Summary: "One CVE (or OSV record) across the fleet: its advisories and every affected agent, hidden ones flagged",
			Reply:   cveDetailReply{}},
		{Method: "GET", Path: v1 + "/agents/:id/updates", Access: person, MinRole: auth.RoleViewer,
			Handler: inventoryKindHandler[wire.Update](s, wire.KindUpdates, updateFilters), Tag: "inventory",
			Summary: "Installed packages the host's configured repositories offer newer (apt lists, dnf/yum repodata, apk indexes, as the agent last read them), security ones flagged",
			Reply:   inventoryPage[wire.Update]{}, Query: kindQuery(updateFilters)},
		{Method: "GET", Path: v1 + "/agents/:id/cves", Access: person, MinRole: auth.RoleViewer, Handler: s.agentCVEs, Tag: "vulnerabilities",
			Summary: "The agent's installed packages with known CVEs (the fleet list with agent_id set)",
			Reply:   cvesReply{}, Query: cvesQuery()},
		{Method: "GET", Path: v1 + "/agents/:id/governance", Access: person, MinRole: auth.RoleViewer, Handler: s.getGovernance, Tag: "governance",
			Summary: "The agent's owner, environment, criticality, data classification, tags and maintenance windows", Reply: governanceBody{}},
		{Method: "PUT", Path: v1 + "/agents/:id/governance", Access: person, MinRole: auth.RoleAdmin, Handler: s.putGovernance, Tag: "governance",
			Summary: "Replace the agent's governance record (audited); maintenance windows silence alert rules",
			Request: governanceBody{}, Reply: governanceBody{}},

		{Method: "GET", Path: v1 + "/alerts", Access: person, MinRole: auth.RoleViewer, Handler: s.listAlerts, Tag: "alerts",
			Summary: "Alerts raised by agents, alert rules and the hub, newest first", Reply: page[alertReply]{}, Query: alertsQuery()},
		{Method: "GET", Path: v1 + "/alerts/:id", Access: person, MinRole: auth.RoleViewer, Handler: s.getAlert, Tag: "alerts",
			Summary: "One alert with every transition (pending, firing, resolved)", Reply: alertDetailReply{}},
		{Method: "PATCH", Path: v1 + "/alerts/:id/resolve", Access: person, MinRole: auth.RoleMember, Handler: s.resolveAlert, Tag: "alerts",
			Summary: "Resolve an open alert by hand, with an optional note", Request: resolveAlertRequest{}, Reply: alertReply{}},
		{Method: "GET", Path: v1 + "/alert-rules", Access: person, MinRole: auth.RoleViewer, Handler: s.listAlertRules, Tag: "alerts",
			Summary: "Alert rules on metrics", Reply: page[alertRuleReply]{}, Query: listQuery},
		{Method: "POST", Path: v1 + "/alert-rules", Access: person, MinRole: auth.RoleMember, Handler: s.createAlertRule, Tag: "alerts",
			Summary: "Create an alert rule: metric, selector, agg, comparison, threshold, window, for-duration; per agent, tag or fleet",
			Request: alertRuleRequest{}, Reply: alertRuleReply{}, Status: 201},
		{Method: "POST", Path: v1 + "/alert-rules/defaults", Access: person, MinRole: auth.RoleMember, Handler: s.installDefaultRules, Tag: "alerts",
			Summary: "Add the default rules the tenant lacks (a deleted one comes back; edited or disabled ones stay as they are)",
			Reply:   defaultRulesReply{}},
		{Method: "GET", Path: v1 + "/alert-rules/:id", Access: person, MinRole: auth.RoleViewer, Handler: s.getAlertRule, Tag: "alerts",
			Summary: "One alert rule", Reply: alertRuleReply{}},
		{Method: "PUT", Path: v1 + "/alert-rules/:id", Access: person, MinRole: auth.RoleMember, Handler: s.updateAlertRule, Tag: "alerts",
			Summary: "Replace an alert rule's definition", Request: alertRuleRequest{}, Reply: alertRuleReply{}},
		{Method: "DELETE", Path: v1 + "/alert-rules/:id", Access: person, MinRole: auth.RoleMember, Handler: s.deleteAlertRule, Tag: "alerts",
			Summary: "Delete an alert rule; its open alerts are resolved", Status: 204},

		{Method: "GET", Path: v1 + "/security", Access: person, MinRole: auth.RoleViewer, Handler: s.security, Tag: "security",
			Summary: "Security overview: silent agents (stopped reporting), with when they were last seen", Reply: securityReply{}},
		{Method: "GET", Path: v1 + "/ai/explain", Access: person, MinRole: auth.RoleViewer, Handler: s.explainLog, Tag: "security",
			Summary: "What a log line means, its likely cause and what to do, with the agent's context; from the shipped rule library, or a configured model after redaction",
			Reply:   explain.Answer{}, Limit: explainLimit(),
			Query: []queryParam{{"log", "the log line (required, at most 4096 bytes)"}, {"agent_id", "the agent it came from: adds its host facts, recent metrics and open alerts"},
				{"lang", "ISO 639-1 language of the answer (default en)"}}},

		{Method: "GET", Path: v1 + "/webhooks", Access: person, MinRole: auth.RoleAdmin, Handler: s.listWebhooks, Tag: "webhooks",
			Summary: "Webhook endpoints that receive alert events", Reply: page[webhookReply]{}, Query: listQuery},
		{Method: "POST", Path: v1 + "/webhooks", Access: person, MinRole: auth.RoleAdmin, Handler: s.createWebhook, Tag: "webhooks",
			Summary: "Register an endpoint for alert events (Standard Webhooks signatures); the secret is shown once",
			Request: createWebhookRequest{}, Reply: createWebhookReply{}, Status: 201},
		{Method: "DELETE", Path: v1 + "/webhooks/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.deleteWebhook, Tag: "webhooks",
			Summary: "Stop delivering to an endpoint; pending deliveries are dropped", Status: 204},
		{Method: "GET", Path: v1 + "/webhooks/:id/deliveries", Access: person, MinRole: auth.RoleAdmin, Handler: s.listDeliveries, Tag: "webhooks",
			Summary: "An endpoint's delivery log, newest first", Reply: page[deliveryReply]{},
			Query: append([]queryParam{{"status", "pending, delivered or failed"}}, listQuery...)},

		{Method: "GET", Path: v1 + "/notification-channels", Access: person, MinRole: auth.RoleAdmin, Handler: s.listChannels, Tag: "notifications",
			Summary: "Notification channels (e-mail, Slack, Discord, Teams, Telegram, ntfy, Gotify, Pushover, Matrix, generic JSON)",
			Reply:   page[channelReply]{}, Query: listQuery},
		{Method: "POST", Path: v1 + "/notification-channels", Access: person, MinRole: auth.RoleAdmin, Handler: s.createChannel, Tag: "notifications",
			Summary: "Add a channel from a shoutrrr URL or mailto:addresses, with routing, quiet hours and a grouping window; the URL is sealed and never answered",
			Request: channelRequest{}, Reply: channelReply{}, Status: 201},
		{Method: "GET", Path: v1 + "/notification-channels/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.getChannel, Tag: "notifications",
			Summary: "One notification channel", Reply: channelReply{}},
		{Method: "PATCH", Path: v1 + "/notification-channels/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.updateChannel, Tag: "notifications",
			Summary: "Change the settings a body names; a new url is sealed anew", Request: channelPatch{}, Reply: channelReply{}},
		{Method: "DELETE", Path: v1 + "/notification-channels/:id", Access: person, MinRole: auth.RoleAdmin, Handler: s.deleteChannel, Tag: "notifications",
			Summary: "Remove a channel; its waiting events are dropped, its log stays", Status: 204},
		{Method: "POST", Path: v1 + "/notification-channels/:id/test", Access: person, MinRole: auth.RoleAdmin, Handler: s.testChannel, Tag: "notifications",
			Summary: "Send a test message now; answers its log entry (delivered, or failed with the reason)", Reply: notificationDeliveryReply{}},
		{Method: "GET", Path: v1 + "/notification-channels/:id/deliveries", Access: person, MinRole: auth.RoleAdmin, Handler: s.listChannelDeliveries, Tag: "notifications",
			Summary: "A channel's delivery log, newest first: one entry per message (a group of alert events, or a test)",
			Reply:   page[notificationDeliveryReply]{}, Query: append([]queryParam{{"status", "pending, delivered or failed"}}, listQuery...)},
		{Method: "GET", Path: v1 + "/topology/nodes", Access: person, MinRole: auth.RoleViewer, Handler: s.listNodes, Tag: "topology",
			Summary: "The map's nodes: drawn ones and the agents with detected connections", Reply: page[topology.Node]{}},
		{Method: "POST", Path: v1 + "/topology/nodes", Access: person, MinRole: auth.RoleMember, Handler: s.createNode, Tag: "topology",
			Summary: "Add a node: an agent, a cloud resource, a device or a service", Request: nodeRequest{}, Reply: topology.Node{}, Status: 201},
		{Method: "PATCH", Path: v1 + "/topology/nodes/:id", Access: person, MinRole: auth.RoleMember, Handler: s.updateNode, Tag: "topology",
			Summary: "Replace a node's name, addresses, zone and tags", Request: nodeRequest{}, Reply: topology.Node{}},
		{Method: "DELETE", Path: v1 + "/topology/nodes/:id", Access: person, MinRole: auth.RoleMember, Handler: s.deleteNode, Tag: "topology",
			Summary: "Remove a node and its edges", Status: 204},
		{Method: "GET", Path: v1 + "/topology/edges", Access: person, MinRole: auth.RoleViewer, Handler: s.listEdges, Tag: "topology",
			Summary: "The edges people drew or promoted", Reply: page[edgeReply]{}},
		{Method: "POST", Path: v1 + "/topology/edges", Access: person, MinRole: auth.RoleMember, Handler: s.createEdge, Tag: "topology",
			Summary: "Draw an edge between two nodes", Request: edgeRequest{}, Reply: edgeReply{}, Status: 201},
		{Method: "DELETE", Path: v1 + "/topology/edges/:id", Access: person, MinRole: auth.RoleMember, Handler: s.deleteEdge, Tag: "topology",
			Summary: "Remove an edge", Status: 204},
		{Method: "GET", Path: v1 + "/topology/zones", Access: person, MinRole: auth.RoleViewer, Handler: s.listZones, Tag: "topology",
			Summary: "Networks, sites and environments", Reply: page[topology.Zone]{}},
		{Method: "POST", Path: v1 + "/topology/zones", Access: person, MinRole: auth.RoleMember, Handler: s.createZone, Tag: "topology",
			Summary: "Add a network, site or environment, optionally inside another zone", Request: zoneRequest{}, Reply: topology.Zone{}, Status: 201},
		{Method: "GET", Path: v1 + "/topology/detected", Access: person, MinRole: auth.RoleViewer, Handler: s.listDetected, Tag: "topology",
			Summary: "Connections between agents seen in their sockets inventories, with first and last seen", Reply: page[detectedReply]{},
			Query: append([]queryParam{{"unmatched", "1 for peers that are no known agent"}}, listQuery...)},
		{Method: "POST", Path: v1 + "/topology/detected/:id/promote", Access: person, MinRole: auth.RoleMember, Handler: s.promoteDetected, Tag: "topology",
			Summary: "Turn a detected connection into map nodes and an edge", Reply: promoteReply{}, Status: 201},
		{Method: "GET", Path: v1 + "/topology/snapshots", Access: person, MinRole: auth.RoleViewer, Handler: s.listSnapshots, Tag: "topology",
			Summary: "Stored maps, newest first", Reply: page[snapshotReply]{}, Query: listQuery},
		{Method: "POST", Path: v1 + "/topology/snapshots", Access: person, MinRole: auth.RoleMember, Handler: s.createSnapshot, Tag: "topology",
			Summary: "Store the whole map as it is now", Request: snapshotRequest{}, Reply: snapshotReply{}, Status: 201},
		{Method: "GET", Path: v1 + "/topology/snapshots/:id/diff", Access: person, MinRole: auth.RoleViewer, Handler: s.snapshotDiff, Tag: "topology",
			Summary: "Nodes and links added, removed and changed from ?against= (a snapshot id, or live) to the snapshot",
			Reply:   snapshotDiffReply{}, Query: []queryParam{{"against", "a snapshot id, or live (default)"}}},
		{Method: "GET", Path: v1 + "/topology/export/mermaid", Access: person, MinRole: auth.RoleViewer, Handler: s.exportMermaid, Tag: "topology",
			Summary: "The map as a Mermaid flowchart (text/vnd.mermaid): zones as subgraphs, stable ids",
			Query:   []queryParam{{"zone", "a zone's id or name: only what is inside it"}, {"env", "an environment zone's id or name"}}},

		{Method: "GET", Path: v1 + "/diagrams", Access: person, MinRole: auth.RoleViewer, Handler: s.listDiagrams, Tag: "diagrams",
			Summary: "The tenant's diagrams (Mermaid source)", Reply: page[diagramReply]{}, Query: listQuery},
		{Method: "POST", Path: v1 + "/diagrams", Access: person, MinRole: auth.RoleMember, Handler: s.createDiagram, Tag: "diagrams",
			Summary: "Store a diagram drawn in Mermaid", Request: diagramRequest{}, Reply: diagramReply{}, Status: 201},
		{Method: "POST", Path: v1 + "/diagrams/generate", Access: person, MinRole: auth.RoleMember, Handler: s.generateDiagram, Tag: "diagrams",
			Summary: "Draw a diagram from the live map, by zone, environment or tag", Request: generateRequest{}, Reply: diagramReply{}, Status: 201},
		{Method: "GET", Path: v1 + "/diagrams/templates", Access: person, MinRole: auth.RoleViewer, Handler: s.listDiagramTemplates, Tag: "diagrams",
			Summary: "Shipped diagrams to start from", Reply: page[topology.Template]{}},
		{Method: "POST", Path: v1 + "/diagrams/from-template/:id", Access: person, MinRole: auth.RoleMember, Handler: s.diagramFromTemplate, Tag: "diagrams",
			Summary: "Start a diagram from a shipped template", Request: diagramRequest{}, Reply: diagramReply{}, Status: 201},
		{Method: "GET", Path: v1 + "/diagrams/share/:token", Access: public, Handler: s.sharedDiagram, Tag: "diagrams",
			Summary: "A shared diagram, read-only, without signing in (404 once unshared or expired; noindex, no frames)",
			Reply:   sharedDiagramReply{}, Limit: diagramShareLimit()},
		{Method: "GET", Path: v1 + "/diagrams/:id", Access: person, MinRole: auth.RoleViewer, Handler: s.getDiagram, Tag: "diagrams",
			Summary: "One diagram", Reply: diagramReply{}},
		{Method: "PUT", Path: v1 + "/diagrams/:id", Access: person, MinRole: auth.RoleMember, Handler: s.updateDiagram, Tag: "diagrams",
			Summary: "Replace a diagram's name and source", Request: diagramRequest{}, Reply: diagramReply{}},
		{Method: "DELETE", Path: v1 + "/diagrams/:id", Access: person, MinRole: auth.RoleMember, Handler: s.deleteDiagram, Tag: "diagrams",
			Summary: "Delete a diagram and its share link", Status: 204},
		{Method: "POST", Path: v1 + "/diagrams/:id/share", Access: person, MinRole: auth.RoleMember, Handler: s.shareDiagram, Tag: "diagrams",
			Summary: "Make a share link (256-bit token, shown once, stored hashed) that expires; replaces an earlier one",
			Request: shareRequest{}, Reply: shareReply{}, Status: 201},
		{Method: "POST", Path: v1 + "/diagrams/:id/unshare", Access: person, MinRole: auth.RoleMember, Handler: s.unshareDiagram, Tag: "diagrams",
			Summary: "Revoke the share link at once", Status: 204},

		{Method: "GET", Path: v1 + "/blast-radius/:id", Access: person, MinRole: auth.RoleViewer, Handler: s.blastRadius, Tag: "topology",
			Summary: "What a compromised agent reaches and why: paths with evidence (connections, shared SSH keys, NOPASSWD sudo, same users, same network), ranked by score",
			Reply:   blastRadiusReply{}, Query: []queryParam{{"depth", "hops, 1 to 4 (default 2)"}}},

		{Method: "GET", Path: v1 + "/integrity-anomalies", Access: person, MinRole: auth.RoleAdmin, Handler: s.listAnomalies, Tag: "agents",
			Summary: "Integrity anomalies, newest first", Reply: page[anomalyReply]{},
			Query: append([]queryParam{{"include_resolved", "1 to include resolved anomalies"}}, listQuery...)},
		{Method: "PATCH", Path: v1 + "/integrity-anomalies/:id/resolve", Access: person, MinRole: auth.RoleAdmin, Handler: s.resolveAnomaly, Tag: "agents",
			Summary: "Mark an integrity anomaly handled", Status: 204},
	}
	return withUserLimit(append(routes, s.inventoryKindRoutes()...))
}

// withUserLimit gives every route a person calls, and the account routes
// anyone calls, reference/API.md's "other user endpoints" limit
// (1000/minute/IP) unless it has a limit of its own.
func withUserLimit(rs []route) []route {
	for i := range rs {
		r := &rs[i]
		account := r.Access == public && strings.HasPrefix(r.Path, "/api/v1/auth/")
		if r.Limit == nil && (r.Access == person || r.Access == signedIn || account) {
			r.Limit = userLimit()
		}
	}
	return rs
}
