package api

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
)

// from returns a copy of e whose requests come from another loopback
// address, for "other keys are unaffected" by per-IP limits.
func (e *env) from(ip string) *env {
	c := *e
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}
	e.t.Cleanup(tr.CloseIdleConnections)
	c.client = &http.Client{Transport: tr, Timeout: e.client.Timeout}
	return &c
}

// wantLimited checks a 429 with Retry-After and the RateLimit headers of
// the policy.
func wantLimited(t *testing.T, r reply, policy string, quota, window int) {
	t.Helper()
	r.wantProblem(t, http.StatusTooManyRequests)
	ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > window {
		t.Fatalf("Retry-After %q: want whole seconds in 1..%d", r.Header.Get("Retry-After"), window)
	}
	if got, want := r.Header.Get("RateLimit-Policy"), fmt.Sprintf(`"%s";q=%d;w=%d`, policy, quota, window); got != want {
		t.Fatalf("RateLimit-Policy %q, want %q", got, want)
	}
	if got := r.Header.Get("RateLimit"); !strings.HasPrefix(got, `"`+policy+`";r=0;t=`) {
		t.Fatalf("RateLimit %q, want %q;r=0;t=…", got, policy)
	}
}

// TestRateLimits sends each limited route its quota, checks the next
// request gets 429 with the headers, and that another key still passes.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.RateQuotas = nil })
	fx, other := e.newTenant("acme"), e.newTenant("other")
	admin, admin2 := e.session(fx, auth.RoleAdmin), e.session(fx, auth.RoleOwner)
	otherAdmin := e.session(other, auth.RoleAdmin)
	elsewhere := e.from("127.0.0.2")

	type call func(e *env) reply
	cases := []struct {
		policy          string
		quota, window   int
		send, sendOther call
	}{
		{"login", 10, 60,
			func(e *env) reply {
				// A broken body counts like a wrong password (the limit is
				// taken before the body is read) without an argon2id check:
				// under -race on a busy machine eleven of those outlasted
				// the window.
				return e.do("POST", "/api/v1/auth/login", cred{}, "{")
			},
			func(*env) reply {
				return elsewhere.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: fx.email(auth.RoleViewer), Password: "wrong password!"})
			}},
		{"totp_challenge", 10, 60,
			func(e *env) reply {
				return e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: "x", Code: "123456"})
			},
			func(*env) reply {
				return elsewhere.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: "x", Code: "123456"})
			}},
		{"forgot_password", 5, 3600,
			func(e *env) reply {
				return e.do("POST", "/api/v1/auth/forgot-password", cred{}, forgotRequest{Email: "nobody@acme.test"})
			},
			func(*env) reply {
				return elsewhere.do("POST", "/api/v1/auth/forgot-password", cred{}, forgotRequest{Email: "nobody@acme.test"})
			}},
		{"invitations", 20, 3600,
			func(e *env) reply {
				return e.do("POST", "/api/v1/invitations", admin, inviteRequest{Email: uuid.NewString() + "@x.test", Role: "viewer"})
			},
			func(e *env) reply { // another tenant
				return e.do("POST", "/api/v1/invitations", otherAdmin, inviteRequest{Email: uuid.NewString() + "@x.test", Role: "viewer"})
			}},
		{"rotate_token", 10, 3600,
			func(e *env) reply {
				return e.do("POST", "/api/v1/agents/"+e.agent(fx.Tenant.ID, "r").ID.String()+"/rotate-token", admin, nil)
			},
			func(e *env) reply { // another user
				return e.do("POST", "/api/v1/agents/"+e.agent(fx.Tenant.ID, "r").ID.String()+"/rotate-token", admin2, nil)
			}},
		{"rotate_signing_key", 10, 3600,
			func(e *env) reply {
				return e.do("POST", "/api/v1/agents/"+e.agent(fx.Tenant.ID, "k").ID.String()+"/rotate-signing-key", admin, nil)
			},
			func(e *env) reply {
				return e.do("POST", "/api/v1/agents/"+e.agent(fx.Tenant.ID, "k").ID.String()+"/rotate-signing-key", admin2, nil)
			}},
	}
	for _, tc := range cases {
		for i := range tc.quota {
			if r := tc.send(e); r.Status == http.StatusTooManyRequests {
				t.Fatalf("%s: request %d of %d refused", tc.policy, i+1, tc.quota)
			}
		}
		wantLimited(t, tc.send(e), tc.policy, tc.quota, tc.window)
		if r := tc.sendOther(e); r.Status == http.StatusTooManyRequests {
			t.Fatalf("%s: another key was limited: %s", tc.policy, r.Body)
		}
	}

	// Every other user endpoint: 1000 a minute per IP, counted before
	// authentication, so bad credentials count too.
	viewer := e.session(fx, auth.RoleViewer)
	e2 := e.from("127.0.0.3")
	for i := range 1000 {
		c := viewer
		if i%2 == 1 {
			c = cred{Bearer: "msk_not_a_key"}
		}
		if r := e2.do("GET", "/api/v1/members", c, nil); r.Status == http.StatusTooManyRequests {
			t.Fatalf("user request %d of 1000 refused", i+1)
		}
	}
	wantLimited(t, e2.do("GET", "/api/v1/members", viewer, nil), "user", 1000, 60)
	wantLimited(t, e2.do("POST", "/api/v1/auth/reset-password", cred{}, resetRequest{Token: "x", Password: testPassword}), "user", 1000, 60)
	e.from("127.0.0.4").do("GET", "/api/v1/members", viewer, nil).want(t, http.StatusOK, nil)
}

// TestLoginLockout: 100 consecutive wrong passwords lock the account for
// 15 minutes (RELIABILITY A2): the right password then answers like a
// wrong one; after the lock it works and the count starts afresh.
func TestLoginLockout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	u := fx.Users[auth.RoleMember]
	e.exec(`UPDATE users SET failed_logins = 98 WHERE id = $1`, u.ID)
	if _, r := e.login(u.Email, "wrong password!", cred{}); r.Status != http.StatusUnauthorized {
		t.Fatalf("99th failure: %d", r.Status)
	}
	if _, r := e.login(u.Email, testPassword, cred{}); r.Status != http.StatusOK {
		t.Fatalf("right password after 99 failures: %d (the count must reset on success)", r.Status)
	}
	e.exec(`UPDATE users SET failed_logins = 99 WHERE id = $1`, u.ID)
	wrong := e.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: u.Email, Password: "wrong password!"}, "X-Request-Id", "x")
	wrong.wantProblem(t, http.StatusUnauthorized)
	var until float64
	if err := e.pool.QueryRow(t.Context(), `SELECT extract(epoch FROM locked_until - now()) FROM users WHERE id = $1`, u.ID).Scan(&until); err != nil {
		t.Fatal(err)
	}
	if until < 14*60 || until > 15*60 {
		t.Fatalf("locked for %.0f s, want 15 min", until)
	}
	locked := e.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: u.Email, Password: testPassword}, "X-Request-Id", "x")
	locked.wantProblem(t, http.StatusUnauthorized)
	if string(locked.Body) != string(wrong.Body) {
		t.Fatalf("a locked account answers %s, a wrong password %s: want the same", locked.Body, wrong.Body)
	}
	e.exec(`UPDATE users SET locked_until = now() - interval '1 second' WHERE id = $1`, u.ID)
	if _, r := e.login(u.Email, testPassword, cred{}); r.Status != http.StatusOK {
		t.Fatalf("after the lock: %d", r.Status)
	}
	counts := countEvents(e.auditRows(e.session(fx, auth.RoleOwner), ""))
	if counts["login_failed"] != 2 || counts["login_succeeded"] != 2 {
		t.Fatalf("audit %v: want 2 failed and 2 succeeded logins", counts)
	}
}

// TestClusterHubsShareLimits runs two hubs on one database with shared
// counts (MONSYS_CLUSTER=1): together they allow 10 logins a minute per
// IP, not 10 each.
func TestClusterHubsShareLimits(t *testing.T) {
	t.Parallel()
	pool := testDB.New(t)
	noOverrides := func(c *Config) { c.RateQuotas = nil }
	hubs := []*env{startEnv(t, pool, pool, noOverrides), startEnv(t, pool, pool, noOverrides)}
	fx := hubs[0].newTenant("acme")
	login := func(e *env) reply {
		return e.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: fx.email(auth.RoleViewer), Password: "wrong password!"})
	}
	// A broken body counts like a wrong password (the limit is taken
	// before the body is read) and costs no argon2id check.
	attempt := func(e *env) reply { return e.do("POST", "/api/v1/auth/login", cred{}, "{") }
	// Shared windows are aligned to the clock: start at the beginning of
	// one, so that the twelve attempts below fall in the same window.
	time.Sleep(time.Until(time.Now().Truncate(time.Minute).Add(time.Minute + 200*time.Millisecond)))
	for i := range 10 {
		if r := attempt(hubs[i%2]); r.Status != http.StatusBadRequest {
			t.Fatalf("login %d of 10 across the hubs: %d %s", i+1, r.Status, r.Body)
		}
	}
	for _, h := range hubs {
		wantLimited(t, attempt(h), "login", 10, 60)
	}
	if r := login(hubs[1].from("127.0.0.2")); r.Status != http.StatusUnauthorized {
		t.Fatalf("another IP: %d", r.Status)
	}
}
