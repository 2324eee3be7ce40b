package main_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// testCLIPeople signs in as other people: one with TOTP, a viewer whose
// writes are refused, and hub URLs that are wrong.
func testCLIPeople(t *testing.T, s *site, h *hub, bin string) {
	const password = "another long passphrase"
	for _, p := range []struct{ email, role string }{{"totp@e2e.test", "member"}, {"viewer@e2e.test", "viewer"}} {
		out, stderr, code := s.runStdin(t, password+"\n", "user", "create", p.email, "--role", p.role, "--password-stdin")
		if code != 0 {
			t.Fatalf("user create %s: exit %d\n%s\n%s", p.email, code, out, stderr)
		}
	}

	t.Run("totp", func(t *testing.T) {
		c := h.client()
		c.login(t, "totp@e2e.test", password)
		var setup struct{ Secret string }
		c.call(t, http.MethodPost, "/api/v1/auth/totp/setup", "", nil, http.StatusOK, &setup)
		now := time.Now()
		code, err := totp.GenerateCode(setup.Secret, now)
		if err != nil {
			t.Fatal(err)
		}
		c.call(t, http.MethodPost, "/api/v1/auth/totp/verify", "", map[string]string{"code": code}, http.StatusOK, nil)

		u := newCLIUser(t, bin)
		golden(t, "login-totp-wrong-code", u.run(t, password+"\n000000\n", nil, "login", "--hub", h.url, "--email", "totp@e2e.test"))
		// Each code is taken once: the next step's code, which the hub accepts (±1 step).
		next, err := totp.GenerateCode(setup.Secret, now.Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "login-totp", u.run(t, password+"\n"+next+"\n", nil, "login", "--hub", h.url, "--email", "totp@e2e.test"))
		golden(t, "totp-agents", u.must(t, "agents", "--status", "online"))
	})

	t.Run("viewer", func(t *testing.T) {
		u := newCLIUser(t, bin)
		golden(t, "login-viewer", u.run(t, "viewer@e2e.test\n"+password+"\n", nil, "login", "--hub", h.url))
		golden(t, "viewer-reads", u.must(t, "agents", "--tag", "prod"))
		golden(t, "viewer-write-refused", u.run(t, "", nil, "rules", "create", "--name", "x", "--metric", "m", "--op", ">", "--threshold", "1"))
		golden(t, "viewer-audit-refused", u.run(t, "", nil, "audit"))
		golden(t, "login-wrong-password", u.run(t, "wrong password\n", nil, "login", "--hub", h.url, "--email", "viewer@e2e.test"))

		// Signing in again where one is: same context, and the key the
		// first login issued is revoked.
		first := storedKey(t, u)
		golden(t, "login-viewer-again", u.run(t, "viewer@e2e.test\n"+password+"\n", nil, "login"))
		if second := storedKey(t, u); second == first {
			t.Fatal("a second login kept the first key")
		}
		if r := u.run(t, "", []string{"MONSYS_HUB=" + h.url, "MONSYS_API_KEY=" + first}, "agents"); r.code != 4 {
			t.Errorf("the key of the first login still works after the second: exit %d\n%s", r.code, r.stdout)
		}
	})

	t.Run("wrong hub", func(t *testing.T) {
		u := newCLIUser(t, bin)
		golden(t, "login-unreachable", u.run(t, "", nil, "login", "--hub", "http://127.0.0.1:1"))
		golden(t, "login-path-not-hub", u.run(t, "", nil, "login", "--hub", h.url+"/api/v1"))
		web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>some other site</html>"))
		}))
		defer web.Close()
		r := u.run(t, "", nil, "login", "--hub", web.URL)
		if r.code != 5 || !strings.Contains(r.stderr, "does not answer like a monsys hub") {
			t.Errorf("login to a web server that is no hub: exit %d, stderr %q; want 5 and a clear message", r.code, r.stderr)
		}
		golden(t, "login-not-a-url", u.run(t, "", nil, "login", "--hub", "monsys.example.com"))
		golden(t, "unknown-command", u.run(t, "", nil, "agnets"))
		golden(t, "bad-flag", u.run(t, "", nil, "agents", "--colour"))
		golden(t, "unknown-context", u.run(t, "", nil, "agents", "--context", "nosuch"))
	})
}

// testCLILogout signs the owner out: the key login issued is revoked at
// the hub, so the same key sent again is refused with exit code 4.
func testCLILogout(t *testing.T, h *hub, owner *cliUser) {
	key := storedKey(t, owner)
	golden(t, "logout", owner.must(t, "logout"))
	golden(t, "revoked-key", owner.run(t, "", []string{"MONSYS_HUB=" + h.url, "MONSYS_API_KEY=" + key}, "agents"))
	golden(t, "after-logout", owner.run(t, "", nil, "agents"))
	if b, _ := os.ReadFile(owner.configPath()); strings.Contains(string(b), key) {
		t.Errorf("the key is still stored after logout:\n%s", b)
	}
}

// storedKey is the API key in the user's stored configuration.
func storedKey(t *testing.T, u *cliUser) string {
	t.Helper()
	b, err := os.ReadFile(u.configPath())
	if err != nil {
		t.Fatal(err)
	}
	key := mskKey.FindString(string(b))
	if key == "" {
		t.Fatalf("no msk_ key in the stored configuration:\n%s", b)
	}
	return key
}
