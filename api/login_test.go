package api

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
)

func TestLoginSetsAHardenedCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	r := e.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: "ADMIN@acme.test", Password: testPassword})
	var lr loginReply
	r.want(t, http.StatusOK, &lr)
	if lr.User.ID != fx.Users[auth.RoleAdmin].ID || lr.Tenant.ID != fx.Tenant.ID || lr.Role != auth.RoleAdmin ||
		lr.CSRFToken == "" || lr.TOTPRequired {
		t.Fatalf("login reply %+v", lr)
	}
	if lr.ExpiresAt.Before(time.Now().Add(11*time.Hour)) || lr.ExpiresAt.After(time.Now().Add(13*time.Hour)) {
		t.Fatalf("expires_at %v, want about 12 h from now (SessionMaxAge)", lr.ExpiresAt)
	}
	ck := sessionCookieOf(t, r)
	if ck == nil {
		t.Fatalf("no %s cookie in %q", sessionCookie, r.Header.Values("Set-Cookie"))
	}
	if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" || len(ck.Value) < 40 {
		t.Fatalf("session cookie %q: want Secure, HttpOnly, SameSite=Lax, Path=/, no Domain and a long secret", ck.Raw)
	}
	if bytes.Contains(r.Body, []byte(ck.Value)) {
		t.Fatal("the login body repeats the session secret")
	}
	c := cred{Session: ck.Value}
	var agents page[agentReply]
	e.do("GET", "/api/v1/agents", c, nil).want(t, http.StatusOK, &agents)
}

func TestFailedLoginsLookAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	const rid = "login-probe"
	wrongPassword := e.do("POST", "/api/v1/auth/login", cred{},
		loginRequest{Email: fx.email(auth.RoleOwner), Password: "not the password"}, "X-Request-Id", rid)
	unknownEmail := e.do("POST", "/api/v1/auth/login", cred{},
		loginRequest{Email: "nobody@acme.test", Password: "not the password"}, "X-Request-Id", rid)
	p := wrongPassword.wantProblem(t, http.StatusUnauthorized)
	unknownEmail.wantProblem(t, http.StatusUnauthorized)
	if p.RequestID != rid {
		t.Fatalf("request_id %q, want the caller's %q", p.RequestID, rid)
	}
	if !bytes.Equal(wrongPassword.Body, unknownEmail.Body) {
		t.Fatalf("bodies differ:\nwrong password: %s\nunknown email:  %s", wrongPassword.Body, unknownEmail.Body)
	}
	if sessionCookieOf(t, wrongPassword) != nil || sessionCookieOf(t, unknownEmail) != nil {
		t.Fatal("a failed login set a session cookie")
	}
	// Strict decoding: unknown fields are refused, not ignored.
	e.do("POST", "/api/v1/auth/login", cred{}, `{"email":"a@b.c","password":"x","admin":true}`).
		wantProblem(t, http.StatusBadRequest)
}

func TestCSRFProtectsCookieRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	sess, _ := e.login(fx.email(auth.RoleAdmin), testPassword, cred{})
	noToken := cred{Session: sess.Session}
	body := createAPIKeyRequest{Name: "csrf"}
	const path = "/api/v1/api-keys"

	e.do("POST", path, noToken, body).wantProblem(t, http.StatusForbidden)
	e.do("POST", path, cred{Session: sess.Session, CSRF: "wrong"}, body).wantProblem(t, http.StatusForbidden)
	e.do("POST", path, sess, body).want(t, http.StatusCreated, nil)
	for _, hdr := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "https://evil.example"},
		{"Origin", e.base + ".evil.example"},
		{"Origin", "null"},
	} {
		e.do("POST", path, sess, body, hdr...).wantProblem(t, http.StatusForbidden)
	}
	// A same-origin browser request needs no token (DESIGN §7).
	e.do("POST", path, noToken, body, "Origin", e.base).want(t, http.StatusCreated, nil)
	e.do("POST", path, noToken, body, "Sec-Fetch-Site", "same-origin").want(t, http.StatusCreated, nil)
	// Reads need no token; bearer requests never do.
	e.do("GET", path, noToken, nil).want(t, http.StatusOK, nil)
	key, _ := e.apiKey(fx, auth.RoleAdmin)
	e.do("POST", path, key, body, "Sec-Fetch-Site", "cross-site").want(t, http.StatusCreated, nil)

	// The refused requests made nothing: 3 keys by cookie, 1 by bearer, and the fixture key.
	var keys page[apiKeyReply]
	e.do("GET", path, key, nil).want(t, http.StatusOK, &keys)
	if len(keys.Items) != 5 {
		t.Fatalf("%d keys, want 5", len(keys.Items))
	}
}

func TestLogoutAndSessionReplacement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")

	first, _ := e.login(fx.email(auth.RoleMember), testPassword, cred{})
	e.do("GET", "/api/v1/agents", first, nil).want(t, http.StatusOK, nil)

	// Signing in again with the old cookie ends the old session.
	second, _ := e.login(fx.email(auth.RoleMember), testPassword, first)
	if second.Session == first.Session {
		t.Fatal("login reused the session id")
	}
	e.do("GET", "/api/v1/agents", first, nil).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/api/v1/agents", second, nil).want(t, http.StatusOK, nil)

	e.do("POST", "/api/v1/auth/logout", cred{Session: second.Session}, nil).wantProblem(t, http.StatusForbidden)
	r := e.do("POST", "/api/v1/auth/logout", second, nil)
	r.want(t, http.StatusNoContent, nil)
	if ck := sessionCookieOf(t, r); ck == nil || ck.Value != "" || ck.Expires.After(time.Now()) {
		t.Fatalf("logout Set-Cookie %v: want the cookie cleared", r.Header.Values("Set-Cookie"))
	}
	e.do("GET", "/api/v1/agents", second, nil).wantProblem(t, http.StatusUnauthorized)
	e.do("POST", "/api/v1/auth/logout", second, nil).wantProblem(t, http.StatusUnauthorized)
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.SessionIdle = time.Minute })
	fx := e.newTenant("acme")

	idle, _ := e.login(fx.email(auth.RoleViewer), testPassword, cred{})
	e.do("GET", "/api/v1/agents", idle, nil).want(t, http.StatusOK, nil)
	e.exec(`UPDATE sessions SET last_seen_at = now() - interval '50 seconds'`)
	e.do("GET", "/api/v1/agents", idle, nil).want(t, http.StatusOK, nil) // use renews it
	e.exec(`UPDATE sessions SET last_seen_at = now() - interval '61 seconds'`)
	e.do("GET", "/api/v1/agents", idle, nil).wantProblem(t, http.StatusUnauthorized)

	// Busy but past its absolute end.
	old := e.session(fx, auth.RoleMember)
	e.do("GET", "/api/v1/agents", old, nil).want(t, http.StatusOK, nil)
	e.exec(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, fx.Users[auth.RoleMember].ID)
	e.do("GET", "/api/v1/agents", old, nil).wantProblem(t, http.StatusUnauthorized)

	// A disabled user's session ends at once.
	live := e.session(fx, auth.RoleAdmin)
	e.do("GET", "/api/v1/agents", live, nil).want(t, http.StatusOK, nil)
	e.exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, fx.Users[auth.RoleAdmin].ID)
	e.do("GET", "/api/v1/agents", live, nil).wantProblem(t, http.StatusUnauthorized)
	if _, r := e.login(fx.email(auth.RoleAdmin), testPassword, cred{}); r.Status != http.StatusUnauthorized {
		t.Fatalf("disabled user login = %d, want 401", r.Status)
	}
}

// TestCrossSiteRequestsCannotChangeState enumerates, from the route table,
// the state-changing routes a browser can reach by itself (every route that
// takes the session cookie, and the public ones such as login, which sets
// it) and sends each a cross-site request that carries everything else it
// needs, the CSRF token included: all must answer 403. Bearer-only routes
// are out of reach of a cross-site page.
func TestCrossSiteRequestsCannotChangeState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	standing := map[uuid.UUID]testAgent{fx.Tenant.ID: e.agent(fx.Tenant.ID, "standing")}
	checked := map[string]bool{}
	for _, r := range e.srv.routes {
		if safeMethod(r.Method) || !browserReachable(t, r.Access) {
			continue
		}
		row, ok := authzRows[routeKey(r)]
		if !ok {
			t.Errorf("%s has no row in authzRows", routeKey(r))
			continue
		}
		for _, hdr := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
			c := &caller{kind: sessionCaller, role: auth.RoleOwner, fx: fx, cred: e.session(fx, auth.RoleOwner)}
			tgt := row.build(e, c, standing)
			if got := e.do(r.Method, tgt.path, c.cred, tgt.body, append(tgt.hdr, hdr...)...); got.Status != http.StatusForbidden {
				t.Errorf("%s with %s: %d, want 403; body: %.200s", routeKey(r), hdr, got.Status, got.Body)
			}
		}
		checked[routeKey(r)] = true
	}
	// The routes that take the cookie alone are the ones a cross-site page
	// reaches most easily: if these are not among those checked, the
	// enumeration above is wrong.
	for _, k := range []string{"POST /api/v1/auth/totp/setup", "POST /api/v1/auth/totp/verify", "POST /api/v1/auth/totp/disable",
		"POST /api/v1/auth/switch-tenant", "POST /api/v1/auth/change-password", "DELETE /api/v1/sessions/:id",
		"POST /api/v1/auth/login", "POST /api/v1/api-keys"} {
		if !checked[k] {
			t.Errorf("%s was not checked: is the route table read?", k)
		}
	}
	// The hub's own pages still sign in.
	e.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: fx.email(auth.RoleViewer), Password: testPassword},
		"Origin", e.base, "Sec-Fetch-Site", "same-origin").want(t, http.StatusOK, nil)
}

// browserReachable reports whether a cross-site page can make a browser call
// a route of this access with what the browser holds by itself: its session
// cookie, or nothing. An access kind added later must be classified here
// before the test passes.
func browserReachable(t *testing.T, a access) bool {
	switch a {
	case public, person, signedIn:
		return true
	case agentOnly, enrollment, writer, ownAgent: // bearer tokens only
		return false
	}
	t.Fatalf("access kind %d is not classified as cookie-reachable or bearer-only", a)
	return false
}
