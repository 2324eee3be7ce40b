package api

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
)

// TestFleetOverview: the fleet page's one read answers every agent of the
// tenant with its latest CPU, memory and fullest disk and an hour of CPU,
// filtered, sorted (missing values last) and paged.
func TestFleetOverview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.newTenant("alpha"), e.newTenant("beta")
	viewer := e.session(a, auth.RoleViewer)
	now := time.Now()
	hour := every(now, time.Minute, 60)
	hosts := []struct {
		name, gov    string
		cpu, mem     float64
		disks        []float64
		seen, series bool
	}{
		{"web-1", `{"environment":"production","tags":["web","eu"]}`, 0.75, 0.5, []float64{0.2, 0.9}, true, true},
		{"web-2", `{"environment":"production","tags":["web"]}`, 0.25, 0.125, []float64{0.5}, true, true},
		{"db-1", `{"environment":"staging","tags":["db"]}`, 0.5, 0.875, []float64{0.25}, true, true},
		{"fresh", `{}`, 0, 0, nil, false, false}, // registered, never reported
	}
	ids := map[string]string{}
	for _, h := range hosts {
		ag := e.agent(a.Tenant.ID, h.name)
		ids[h.name] = ag.ID.String()
		e.exec(`UPDATE agents SET governance = $2 WHERE id = $1`, ag.ID, h.gov)
		if h.seen {
			e.exec(`UPDATE agents SET last_seen_at = now() WHERE id = $1`, ag.ID)
		}
		if !h.series {
			continue
		}
		e.writeSeries(a.Tenant.ID, ag.ID, "cpu_usage_ratio", map[string]string{"cpu": "all"}, hour, constant(h.cpu, len(hour)))
		e.writeSeries(a.Tenant.ID, ag.ID, "cpu_usage_ratio", map[string]string{"cpu": "0"}, hour, constant(1, len(hour))) // not the fleet's CPU
		e.writeSeries(a.Tenant.ID, ag.ID, "memory_used_ratio", map[string]string{}, hour, constant(h.mem, len(hour)))
		for i, d := range h.disks {
			e.writeSeries(a.Tenant.ID, ag.ID, "filesystem_used_ratio", map[string]string{"mount": []string{"/", "/var"}[i]}, hour[55:], constant(d, 5))
		}
	}
	other := e.agent(b.Tenant.ID, "other-tenant")
	e.writeSeries(b.Tenant.ID, other.ID, "cpu_usage_ratio", map[string]string{"cpu": "all"}, hour, constant(1, len(hour)))
	e.rollUp()

	var got fleetReply
	e.do("GET", "/api/v1/fleet", viewer, nil).want(t, http.StatusOK, &got)
	if got.Total != 4 || len(got.Items) != 4 || got.Counts["online"] != 3 || got.Counts["pending"] != 1 || got.Sort != "hostname" {
		t.Fatalf("fleet = total %d, counts %v, %d items, sort %q; want 4 agents of alpha (3 online, 1 pending) by hostname",
			got.Total, got.Counts, len(got.Items), got.Sort)
	}
	if names := fleetNames(got); names != "db-1 fresh web-1 web-2" {
		t.Errorf("fleet by hostname = %s", names)
	}
	w1 := got.Items[2]
	if w1.CPURatio == nil || *w1.CPURatio != 0.75 || *w1.MemoryRatio != 0.5 || *w1.DiskRatio != 0.9 || w1.Environment != "production" ||
		strings.Join(w1.Tags, ",") != "web,eu" {
		t.Errorf("web-1 = %+v, want CPU 0.75 (cpu=\"all\"), memory 0.5, its fullest disk 0.9, production, web and eu", w1)
	}
	if n := len(w1.CPULastHour); n < 25 || n > 31 || math.Abs(w1.CPULastHour[n-1][1]-0.75) > 1e-9 {
		t.Errorf("web-1's sparkline has %d points ending at %v; want an hour at 2-minute steps of 0.75", n, w1.CPULastHour)
	}
	if f := got.Items[1]; f.CPURatio != nil || f.DiskRatio != nil || len(f.CPULastHour) != 0 || f.Tags == nil {
		t.Errorf("the agent without samples = %+v, want no values and an empty tag list", f)
	}

	for _, c := range []struct{ query, want string }{
		{"sort=-cpu", "web-1 db-1 web-2 fresh"}, // missing values last
		{"sort=cpu", "web-2 db-1 web-1 fresh"},  // in both directions
		{"sort=-memory", "db-1 web-1 web-2 fresh"},
		{"sort=disk", "db-1 web-2 web-1 fresh"},
		{"sort=status", "fresh db-1 web-1 web-2"},
		{"environment=production", "web-1 web-2"},
		{"tag=db", "db-1"},
		{"q=WEB", "web-1 web-2"},
		{"status=pending", "fresh"},
		{"tag=nothing", ""},
	} {
		e.do("GET", "/api/v1/fleet?"+c.query, viewer, nil).want(t, http.StatusOK, &got)
		if names := fleetNames(got); names != c.want {
			t.Errorf("fleet?%s = %q, want %q", c.query, names, c.want)
		}
	}
	e.do("GET", "/api/v1/fleet?status=pending", viewer, nil).want(t, http.StatusOK, &got)
	if got.Total != 1 || got.Counts["online"] != 3 {
		t.Errorf("status filter: total %d, counts %v; want 1 shown and the counts of every status", got.Total, got.Counts)
	}

	// Pages follow the order without overlap; a cursor belongs to its order.
	var seen []string
	cursor := ""
	for range 3 {
		got = fleetReply{}
		e.do("GET", "/api/v1/fleet?sort=-cpu&limit=2&cursor="+cursor, viewer, nil).want(t, http.StatusOK, &got)
		seen = append(seen, fleetNames(got))
		if cursor = got.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(seen, " | ") != "web-1 db-1 | web-2 fresh" {
		t.Errorf("pages of 2 by -cpu = %q", strings.Join(seen, " | "))
	}
	e.do("GET", "/api/v1/fleet?sort=-cpu&limit=2", viewer, nil).want(t, http.StatusOK, &got)
	e.do("GET", "/api/v1/fleet?sort=hostname&cursor="+got.NextCursor, viewer, nil).wantProblem(t, http.StatusBadRequest)
	e.do("GET", "/api/v1/fleet?sort=uptime", viewer, nil).wantProblem(t, http.StatusUnprocessableEntity)
	e.do("GET", "/api/v1/fleet?status=gone", viewer, nil).wantProblem(t, http.StatusBadRequest)
}

func fleetNames(r fleetReply) string {
	names := make([]string, len(r.Items))
	for i, it := range r.Items {
		names[i] = it.Hostname
	}
	return strings.Join(names, " ")
}

// TestSessionInfo: a signed-in browser reads who it is and its CSRF token;
// API keys are not sessions.
func TestSessionInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newTenant("alpha")
	member := e.session(a, auth.RoleMember)
	var got sessionInfoReply
	r := e.do("GET", "/api/v1/auth/session", member, nil)
	r.want(t, http.StatusOK, &got)
	if got.User == nil || got.User.Email != a.email(auth.RoleMember) || got.Role != auth.RoleMember || got.Tenant.Slug != a.Tenant.Slug ||
		got.CSRFToken == "" || got.ExpiresAt == nil || got.TOTPEnabled {
		t.Errorf("session = %+v", got)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store: the answer holds the CSRF token", cc)
	}
	key, _ := e.apiKey(a, auth.RoleAdmin)
	e.do("GET", "/api/v1/auth/session", key, nil).wantProblem(t, http.StatusUnauthorized)
}

// TestChangePassword: the current password is required, the new one must
// pass the policy, and every other session ends while this one stays.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newTenant("alpha")
	here, elsewhere := e.session(a, auth.RoleMember), e.session(a, auth.RoleMember)
	const fresh = "a fresh password that is long"
	e.do("POST", "/api/v1/auth/change-password", here, changePasswordRequest{CurrentPassword: "not it at all, sorry", NewPassword: fresh}).
		wantProblem(t, http.StatusUnprocessableEntity)
	e.do("POST", "/api/v1/auth/change-password", here, changePasswordRequest{CurrentPassword: testPassword, NewPassword: "short"}).
		wantProblem(t, http.StatusUnprocessableEntity)
	e.do("POST", "/api/v1/auth/change-password", here, changePasswordRequest{CurrentPassword: testPassword, NewPassword: fresh}).
		want(t, http.StatusNoContent, nil)
	e.do("GET", "/api/v1/auth/session", here, nil).want(t, http.StatusOK, nil)
	e.do("GET", "/api/v1/auth/session", elsewhere, nil).wantProblem(t, http.StatusUnauthorized)
	e.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: a.email(auth.RoleMember), Password: testPassword}).
		wantProblem(t, http.StatusUnauthorized)
	e.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: a.email(auth.RoleMember), Password: fresh}).want(t, http.StatusOK, nil)
	var log struct{ Items []auditReply }
	e.do("GET", "/api/v1/audit-log?type=password_changed", e.session(a, auth.RoleAdmin), nil).want(t, http.StatusOK, &log)
	if len(log.Items) != 1 || log.Items[0].TargetID != a.Users[auth.RoleMember].ID.String() {
		t.Errorf("audit rows for password_changed: %+v", log.Items)
	}
}
