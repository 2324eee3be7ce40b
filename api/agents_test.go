package api

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer, _ := e.apiKey(fx, auth.RoleViewer)
	ag, other := e.agent(fx.Tenant.ID, "web-1"), e.agent(fx.Tenant.ID, "web-2")

	var before agentReply
	e.do("GET", "/api/v1/agents/"+ag.ID.String(), viewer, nil).want(t, http.StatusOK, &before)
	if before.Status != "pending" || before.LastSeenAt != nil {
		t.Fatalf("before any heartbeat: status %q, last_seen_at %v; want pending and none", before.Status, before.LastSeenAt)
	}

	start := time.Now()
	var hb heartbeatReply
	e.do("POST", "/api/v1/agents/"+ag.ID.String()+"/heartbeat", ag.cred(),
		wire.Heartbeat{UptimeS: 3600, AgentVersion: "1.2.3", IntervalS: 15}).want(t, http.StatusOK, &hb)
	if hb.Status != "ok" || hb.ServerTime.Sub(start).Abs() > time.Minute {
		t.Fatalf("heartbeat reply %+v", hb)
	}

	var after agentReply
	e.do("GET", "/api/v1/agents/"+ag.ID.String(), viewer, nil).want(t, http.StatusOK, &after)
	if after.Status != "online" || after.LastSeenAt == nil || after.LastSeenAt.Before(start.Add(-time.Minute)) {
		t.Fatalf("after a heartbeat: status %q, last_seen_at %v; want online and recent", after.Status, after.LastSeenAt)
	}
	if after.UptimeS == nil || *after.UptimeS != 3600 || after.AgentVersion != "1.2.3" || after.HeartbeatIntervalS != 15 {
		t.Fatalf("after a heartbeat: uptime %v version %q interval %d; want 3600, 1.2.3, 15",
			after.UptimeS, after.AgentVersion, after.HeartbeatIntervalS)
	}

	// Silent for more than three intervals: offline.
	e.exec(`UPDATE agents SET last_seen_at = now() - interval '1 minute' WHERE id = $1`, ag.ID)
	e.do("GET", "/api/v1/agents/"+ag.ID.String(), viewer, nil).want(t, http.StatusOK, &after)
	if after.Status != "offline" {
		t.Fatalf("silent for 4 intervals: status %q, want offline", after.Status)
	}

	e.do("POST", "/api/v1/agents/"+other.ID.String()+"/heartbeat", ag.cred(), wire.Heartbeat{}).wantProblem(t, http.StatusNotFound)
	e.do("POST", "/api/v1/agents/"+uuid.NewString()+"/heartbeat", ag.cred(), wire.Heartbeat{}).wantProblem(t, http.StatusNotFound)
	e.do("POST", "/api/v1/agents/not-a-uuid/heartbeat", ag.cred(), wire.Heartbeat{}).wantProblem(t, http.StatusNotFound)
	e.do("POST", "/api/v1/agents/"+ag.ID.String()+"/heartbeat", ag.cred(), wire.Heartbeat{UptimeS: -1}).
		wantProblem(t, http.StatusUnprocessableEntity)
	var o agentReply
	e.do("GET", "/api/v1/agents/"+other.ID.String(), viewer, nil).want(t, http.StatusOK, &o)
	if o.Status != "pending" {
		t.Fatalf("another agent's heartbeat id changed web-2: status %q", o.Status)
	}
}

func TestDeleteAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin, _ := e.apiKey(fx, auth.RoleAdmin)
	member, _ := e.apiKey(fx, auth.RoleMember)
	ag, keep := e.agent(fx.Tenant.ID, "doomed"), e.agent(fx.Tenant.ID, "kept")
	path := "/api/v1/agents/" + ag.ID.String()

	e.do("DELETE", path, member, nil).wantProblem(t, http.StatusForbidden)
	e.do("DELETE", path, admin, nil).want(t, http.StatusNoContent, nil)

	if s := e.heartbeatStatus(ag.ID.String(), ag.Token); s != http.StatusUnauthorized {
		t.Fatalf("deleted agent's token: heartbeat = %d, want 401", s)
	}
	e.register(ag.Token, wire.RegisterRequest{MachineID: ag.MachineID, Hostname: ag.Hostname}).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", path, admin, nil).wantProblem(t, http.StatusNotFound)
	e.do("DELETE", path, admin, nil).wantProblem(t, http.StatusNotFound)
	var list page[agentReply]
	e.do("GET", "/api/v1/agents", admin, nil).want(t, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != keep.ID {
		t.Fatalf("agents after delete = %+v, want only %s", list.Items, keep.ID)
	}
	if s := e.heartbeatStatus(keep.ID.String(), keep.Token); s != http.StatusOK {
		t.Fatalf("the other agent's heartbeat = %d, want 200", s)
	}

	// The same machine enrolling again becomes a new agent.
	enroll, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	var again wire.RegisterResponse
	e.register(enroll, wire.RegisterRequest{MachineID: ag.MachineID, Hostname: ag.Hostname}).want(t, http.StatusCreated, &again)
	if again.AgentID == ag.ID.String() {
		t.Fatal("a deleted agent came back under its old id")
	}
}

// listAgents fetches one page of GET /api/v1/agents with query q.
func (e *env) listAgents(c cred, q url.Values) page[agentReply] {
	e.t.Helper()
	var out page[agentReply]
	e.do("GET", "/api/v1/agents?"+q.Encode(), c, nil).want(e.t, http.StatusOK, &out)
	return out
}

func hostnames(items []agentReply) []string {
	out := make([]string, len(items))
	for i, a := range items {
		out[i] = a.Hostname
	}
	return out
}

func TestListAgentsPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer, _ := e.apiKey(fx, auth.RoleViewer)
	var want []string
	for i := 12; i >= 0; i-- { // made out of order, listed by hostname
		h := fmt.Sprintf("node-%02d", i)
		want = append(want, h)
		e.agent(fx.Tenant.ID, h)
	}
	// Two agents with one hostname: the id breaks the tie, and neither is
	// skipped or repeated at a page boundary.
	e.agent(fx.Tenant.ID, "node-05")
	want = append(want, "node-05")
	sort.Strings(want)

	for _, limit := range []int{1, 4, 7, 14, 500} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			e := e.with(t)
			var got []string
			seen := map[uuid.UUID]bool{}
			q := url.Values{"limit": {fmt.Sprint(limit)}}
			for pages := 0; ; pages++ {
				if pages > len(want)+1 {
					t.Fatal("pagination does not end")
				}
				p := e.listAgents(viewer, q)
				if len(p.Items) > limit {
					t.Fatalf("page of %d items, limit %d", len(p.Items), limit)
				}
				for _, a := range p.Items {
					if seen[a.ID] {
						t.Fatalf("agent %s (%s) listed twice", a.ID, a.Hostname)
					}
					seen[a.ID] = true
				}
				got = append(got, hostnames(p.Items)...)
				if p.NextCursor == "" {
					break
				}
				q.Set("cursor", p.NextCursor)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("walked %v, want %v", got, want)
			}
		})
	}
	if p := e.listAgents(viewer, nil); len(p.Items) != len(want) || p.NextCursor != "" {
		t.Fatalf("default page: %d items, cursor %q; want all %d and no cursor", len(p.Items), p.NextCursor, len(want))
	}
}

func TestListAgentsFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer, _ := e.apiKey(fx, auth.RoleViewer)
	for _, h := range []string{"a%b", "axb", "a_b", "ayb", `a\b`} {
		e.agent(fx.Tenant.ID, h)
	}
	web := e.agent(fx.Tenant.ID, "Web-Primary")
	if s := e.heartbeatStatus(web.ID.String(), web.Token); s != http.StatusOK {
		t.Fatalf("heartbeat = %d", s)
	}

	for _, tc := range []struct {
		q    url.Values
		want []string
	}{
		{url.Values{"hostname": {"%"}}, []string{"a%b"}},
		{url.Values{"hostname": {"_"}}, []string{"a_b"}},
		{url.Values{"hostname": {`\`}}, []string{`a\b`}},
		{url.Values{"hostname": {"A%B"}}, []string{"a%b"}},
		{url.Values{"hostname": {"web-"}}, []string{"Web-Primary"}},
		{url.Values{"hostname": {"PRIM"}}, []string{"Web-Primary"}},
		{url.Values{"hostname": {"nothing"}}, []string{}},
		{url.Values{"status": {"online"}}, []string{"Web-Primary"}},
		{url.Values{"status": {"offline"}}, []string{}},
		{url.Values{"status": {"online"}, "hostname": {"%"}}, []string{}},
		{url.Values{"status": {"pending"}, "hostname": {"%"}}, []string{"a%b"}},
	} {
		got := hostnames(e.listAgents(viewer, tc.q).Items)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("?%s = %q, want %q", tc.q.Encode(), got, tc.want)
		}
	}
	pending := hostnames(e.listAgents(viewer, url.Values{"status": {"pending"}}).Items)
	want := []string{"a%b", "axb", "a_b", "ayb", `a\b`}
	sort.Strings(pending)
	sort.Strings(want)
	if fmt.Sprint(pending) != fmt.Sprint(want) {
		t.Errorf("?status=pending = %q, want the silent agents %q", pending, want)
	}

	for _, q := range []string{
		"limit=0", "limit=501", "limit=ten", "limit=-1",
		"status=bogus", "status=ONLINE",
		"cursor=%21%21%21", "cursor=bm90IGpzb24", "cursor=" + encodeCursor("just a string"),
		"cursor=" + encodeCursor(map[string]string{"h": "x", "i": "not-a-uuid"}),
		"hostname=" + strings.Repeat("x", 256),
	} {
		e.do("GET", "/api/v1/agents?"+q, viewer, nil).wantProblem(t, http.StatusBadRequest)
	}
}

// TestListAgentsNarrowing covers the filters a command line relies on:
// an exact hostname names a host, a prefix completes one, and os and tag
// narrow the fleet.
func TestListAgentsNarrowing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer, _ := e.apiKey(fx, auth.RoleViewer)
	admin, _ := e.apiKey(fx, auth.RoleAdmin)
	enroll, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	ids := map[string]string{}
	for _, a := range []struct{ host, os string }{
		{"web-1", "linux"}, {"web-10", "linux"}, {"Web-2", "freebsd"}, {"db-web", "linux"}, {"a_b", "linux"}, {"axb", "linux"},
	} {
		var reg wire.RegisterResponse
		e.register(enroll, wire.RegisterRequest{MachineID: "m-" + a.host, Hostname: a.host, OS: a.os, Arch: "amd64"}).
			want(t, http.StatusCreated, &reg)
		ids[a.host] = reg.AgentID
	}
	for host, tags := range map[string][]string{"web-1": {"web", "prod"}, "Web-2": {"web"}, "db-web": {"db"}} {
		e.do("PUT", "/api/v1/agents/"+ids[host]+"/governance", admin, map[string]any{"tags": tags}).want(t, http.StatusOK, nil)
	}

	for _, tc := range []struct {
		q    url.Values
		want []string
	}{
		{url.Values{"hostname": {"web-1"}, "match": {"exact"}}, []string{"web-1"}},
		{url.Values{"hostname": {"WEB-1"}, "match": {"exact"}}, []string{"web-1"}},
		{url.Values{"hostname": {"web-"}, "match": {"exact"}}, []string{}},
		{url.Values{"hostname": {"a_b"}, "match": {"exact"}}, []string{"a_b"}},
		{url.Values{"hostname": {"web"}, "match": {"prefix"}}, []string{"web-1", "web-10", "Web-2"}},
		{url.Values{"hostname": {"web"}, "match": {"substring"}}, []string{"db-web", "web-1", "web-10", "Web-2"}},
		{url.Values{"hostname": {"web"}}, []string{"db-web", "web-1", "web-10", "Web-2"}},
		{url.Values{"os": {"freebsd"}}, []string{"Web-2"}},
		{url.Values{"os": {"Linux"}, "hostname": {"web-1"}, "match": {"prefix"}}, []string{"web-1", "web-10"}},
		{url.Values{"tag": {"web"}}, []string{"web-1", "Web-2"}},
		{url.Values{"tag": {"web"}, "os": {"linux"}}, []string{"web-1"}},
		{url.Values{"tag": {"we"}}, []string{}},
	} {
		// Sorted here: the order of mixed-case names is the database's collation.
		got := hostnames(e.listAgents(viewer, tc.q).Items)
		sort.Strings(got)
		sort.Strings(tc.want)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("?%s = %q, want %q", tc.q.Encode(), got, tc.want)
		}
	}
	for _, q := range []string{"match=regex", "match=EXACT", "os=" + strings.Repeat("x", 65), "tag=" + strings.Repeat("x", 64)} {
		e.do("GET", "/api/v1/agents?"+q, viewer, nil).wantProblem(t, http.StatusBadRequest)
	}
}
