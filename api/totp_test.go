package api

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
)

// midStep waits, if needed, until the current 30 s step has at least 3 s
// left, so codes computed here and checked by the server fall in the same
// step.
func midStep(t *testing.T) time.Time {
	t.Helper()
	now := time.Now()
	if left := 30 - now.Unix()%30; left < 3 {
		time.Sleep(time.Duration(left)*time.Second + 100*time.Millisecond)
		now = time.Now()
	}
	return now
}

// loginTOTP signs in with the password and returns the challenge.
func (e *env) loginTOTP(email string) string {
	e.t.Helper()
	var lr loginReply
	r := e.do("POST", "/api/v1/auth/login", cred{}, loginRequest{Email: email, Password: testPassword})
	r.want(e.t, http.StatusOK, &lr)
	if !lr.TOTPRequired || lr.Challenge == "" || lr.User != nil || lr.CSRFToken != "" || sessionCookieOf(e.t, r) != nil {
		e.t.Fatalf("password step of a TOTP login: %s; want only a challenge", r.Body)
	}
	return lr.Challenge
}

func TestTOTPSetupVerifyAndLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	u := fx.Users[auth.RoleMember]
	sess := e.session(fx, auth.RoleMember)

	var setup totpSetupReply
	e.do("POST", "/api/v1/auth/totp/setup", sess, nil).want(t, http.StatusOK, &setup)
	uri, err := url.Parse(setup.URI)
	if err != nil || uri.Scheme != "otpauth" || uri.Host != "totp" || uri.Query().Get("secret") != setup.Secret ||
		!strings.Contains(uri.Path, u.Email) || uri.Query().Get("issuer") != "monsys" {
		t.Fatalf("otpauth URI %q (secret %q)", setup.URI, setup.Secret)
	}
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(setup.QRCode, "data:image/png;base64,"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("qr_code is not a PNG data URL: %.60s", setup.QRCode)
	}
	// Not active until verified: login still opens a session directly.
	if _, r := e.login(u.Email, testPassword, cred{}); r.Status != http.StatusOK {
		t.Fatalf("login before verify: %d", r.Status)
	}
	now := midStep(t)
	for _, off := range []time.Duration{-60 * time.Second, 60 * time.Second} {
		e.do("POST", "/api/v1/auth/totp/verify", sess, totpCodeRequest{Code: totpAt(t, setup.Secret, now.Add(off))}).
			wantProblem(t, http.StatusUnauthorized) // ±2 steps
	}
	e.do("POST", "/api/v1/auth/totp/verify", sess, totpCodeRequest{Code: "12345"}).wantProblem(t, http.StatusUnauthorized)
	var rc totpVerifyReply
	e.do("POST", "/api/v1/auth/totp/verify", sess, totpCodeRequest{Code: totpAt(t, setup.Secret, now)}).want(t, http.StatusOK, &rc)
	if len(rc.RecoveryCodes) != auth.RecoveryCodeCount {
		t.Fatalf("%d recovery codes", len(rc.RecoveryCodes))
	}
	// The secret is never shown again, and is not stored in the clear
	// next to the hashes of recovery codes.
	e.do("POST", "/api/v1/auth/totp/setup", sess, nil).wantProblem(t, http.StatusConflict)
	var plain int
	if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND code_hash = convert_to($2, 'UTF8')`,
		u.ID, rc.RecoveryCodes[0]).Scan(&plain); err != nil || plain != 0 {
		t.Fatalf("a recovery code is stored in the clear (%v)", err)
	}

	// The code verify used cannot sign in: one use per code.
	ch := e.loginTOTP(u.Email)
	e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch, Code: totpAt(t, setup.Secret, now)}).
		wantProblem(t, http.StatusUnauthorized)
	// +1 step is accepted and finishes the login like a plain one.
	r := e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch, Code: totpAt(t, setup.Secret, now.Add(30*time.Second))})
	var lr loginReply
	r.want(t, http.StatusOK, &lr)
	ck := sessionCookieOf(t, r)
	if ck == nil || lr.User == nil || lr.User.ID != u.ID || lr.CSRFToken == "" || lr.TOTPRequired {
		t.Fatalf("challenge reply %s", r.Body)
	}
	e.do("GET", "/api/v1/sessions", cred{Session: ck.Value}, nil).want(t, http.StatusOK, nil)
	// A challenge finishes one login only.
	e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch, Code: totpAt(t, setup.Secret, now.Add(30*time.Second))}).
		wantProblem(t, http.StatusUnauthorized)

	// A recovery code works once, typed in any case.
	ch = e.loginTOTP(u.Email)
	e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch, Code: strings.ToUpper(rc.RecoveryCodes[3])}).
		want(t, http.StatusOK, nil)
	ch = e.loginTOTP(u.Email)
	e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch, Code: rc.RecoveryCodes[3]}).
		wantProblem(t, http.StatusUnauthorized)

	// Disabling needs a current code; after it, login needs none.
	e.do("POST", "/api/v1/auth/totp/disable", sess, totpCodeRequest{Code: "000000"}).wantProblem(t, http.StatusUnauthorized)
	e.exec(`UPDATE users SET totp_last_step = NULL WHERE id = $1`, u.ID) // a fresh step for this test's clock
	e.do("POST", "/api/v1/auth/totp/disable", sess, totpCodeRequest{Code: totpAt(t, setup.Secret, time.Now())}).
		want(t, http.StatusNoContent, nil)
	if _, r := e.login(u.Email, testPassword, cred{}); r.Status != http.StatusOK {
		t.Fatalf("login after disable: %d %s", r.Status, r.Body)
	}

	counts := countEvents(e.auditRows(e.session(fx, auth.RoleOwner), ""))
	for typ, n := range map[string]int{"totp_enabled": 1, "totp_disabled": 1, "recovery_code_used": 1, "totp_failed": 6} {
		if counts[typ] != n {
			t.Errorf("%s written %d times, want %d (all: %v)", typ, counts[typ], n, counts)
		}
	}
}

// TestTOTPStepWindow: with no step used yet, −1 and +1 are accepted and
// ±2 refused; an earlier step than the last accepted one is refused.
func TestTOTPStepWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	for _, tc := range []struct {
		off  time.Duration
		want int
	}{{-60 * time.Second, 401}, {60 * time.Second, 401}, {-30 * time.Second, 200}, {30 * time.Second, 200}, {0, 200}} {
		u := e.extraUser(fx, auth.RoleViewer)
		e.setTOTP(u.ID, true)
		ch := e.loginTOTP(u.Email)
		// The step is read after the password check, which takes seconds
		// on a busy machine: the code must be for the step it is sent in.
		now := midStep(t)
		r := e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch, Code: totpAt(t, testTOTPSecret, now.Add(tc.off))})
		if r.Status != tc.want {
			t.Errorf("offset %v: %d, want %d", tc.off, r.Status, tc.want)
		}
	}
	u := e.extraUser(fx, auth.RoleViewer)
	e.setTOTP(u.ID, true)
	ch := e.loginTOTP(u.Email)
	now := midStep(t)
	e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch,
		Code: totpAt(t, testTOTPSecret, now.Add(30*time.Second))}).want(t, http.StatusOK, nil)
	for _, off := range []time.Duration{0, -30 * time.Second, 30 * time.Second} {
		e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: e.loginTOTP(u.Email),
			Code: totpAt(t, testTOTPSecret, now.Add(off))}).wantProblem(t, http.StatusUnauthorized)
	}
}

// TestTOTPFailureLimit: five wrong codes per five minutes per account;
// the sixth attempt is refused even with the right code, from any IP.
func TestTOTPFailureLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.RateQuotas = nil })
	fx := e.newTenant("acme")
	u := fx.Users[auth.RoleViewer]
	e.setTOTP(u.ID, true)
	ch := e.loginTOTP(u.Email)
	for range 5 {
		e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch, Code: "000000"}).
			wantProblem(t, http.StatusUnauthorized)
	}
	r := e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch, Code: totpAt(t, testTOTPSecret, time.Now())})
	r.wantProblem(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" || !strings.HasPrefix(r.Header.Get("RateLimit-Policy"), `"totp_failures";q=5;w=300`) {
		t.Fatalf("headers %v", r.Header)
	}
	// Another account is not affected.
	o := fx.Users[auth.RoleMember]
	e.setTOTP(o.ID, true)
	e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: e.loginTOTP(o.Email),
		Code: totpAt(t, testTOTPSecret, time.Now())}).want(t, http.StatusOK, nil)
}

// TestTOTPSecretEncryptedAtRest: with a key configured the stored secret
// is sealed (no plaintext in the database) and still verifies codes.
func TestTOTPSecretEncryptedAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.TOTPKey = bytes.Repeat([]byte{0x5a}, 32) })
	fx := e.newTenant("acme")
	u := fx.Users[auth.RoleViewer]
	sess := e.session(fx, auth.RoleViewer)
	var setup totpSetupReply
	e.do("POST", "/api/v1/auth/totp/setup", sess, nil).want(t, http.StatusOK, &setup)
	var stored []byte
	if err := e.pool.QueryRow(t.Context(), `SELECT totp_secret FROM users WHERE id = $1`, u.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(stored, []byte("enc1:")) || bytes.Contains(stored, []byte(setup.Secret)) {
		t.Fatalf("stored secret %q: want it sealed", stored)
	}
	e.do("POST", "/api/v1/auth/totp/verify", sess, totpCodeRequest{Code: totpAt(t, setup.Secret, midStep(t))}).want(t, http.StatusOK, nil)
	// Copied onto another account, the sealed secret does not open.
	o := fx.Users[auth.RoleMember]
	e.exec(`UPDATE users SET totp_secret = $2, totp_enabled_at = now() WHERE id = $1`, o.ID, stored)
	ch := e.loginTOTP(o.Email)
	r := e.do("POST", "/api/v1/auth/totp/challenge", cred{}, totpChallengeRequest{Challenge: ch, Code: totpAt(t, setup.Secret, time.Now())})
	if r.Status == http.StatusOK {
		t.Fatal("a secret sealed for one account signed in another")
	}
}
