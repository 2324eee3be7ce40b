package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/console"
	"github.com/monsys/monsys/fleet"
	"github.com/monsys/monsys/ingest"
	"github.com/monsys/monsys/internal/pgtest"
	"github.com/monsys/monsys/notify"
	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/ratelimit"
	"github.com/monsys/monsys/relay"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/vuln"
	"github.com/monsys/monsys/wire"
)

var testDB *pgtest.Harness

// TestMain runs the package's tests against the harness's PostgreSQL and
// then checks that no goroutine outlived them: the server starts some of
// its own (push connections, the reset queue), and every one must end
// with Shutdown. Three of fasthttp's are not the server's to end: the date
// updater runs once per process for good, as does the file cache cleaner
// of Fiber's one process-wide SendFile handler (agent downloads), and a
// worker pool's cleaner returns from its 10 s sleep after Stop.
func TestMain(m *testing.M) {
	os.Exit(pgtest.NoLeaks(pgtest.Main(m, &testDB),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*inMemoryCacheManager).handleCleanCache"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2")))
}

// testPassword is every fixture user's password. Its argon2id hash is
// computed once per test binary: each hash costs tens of milliseconds.
const testPassword = "correct horse battery staple"

var testPasswordHash = sync.OnceValues(func() (string, error) { return auth.HashPassword(testPassword) })

const sessionCookie = "__Host-monsys_session"

// env is one running server on its own fresh database, reached over real
// HTTP on a loopback port.
type env struct {
	t      *testing.T
	srv    *Server
	st     *store.Store
	notify *notify.Service
	pool   *pgxpool.Pool
	base   string // http://127.0.0.1:port, also the server's PublicURL
	client *http.Client
	vulns  *vuln.Service
	// vulnNow is the vulnerability service's clock (unix nanoseconds):
	// exceptions expire by it.
	vulnNow *atomic.Int64
}

// newEnv starts a server over a fresh database; tweak adjusts the config.
func newEnv(t *testing.T, tweak ...func(*Config)) *env {
	t.Helper()
	pool := testDB.New(t)
	// Ingest needs the day partitions the hub's worker keeps ahead.
	now := time.Now()
	if _, err := tsdb.EnsurePartitions(context.Background(), pool, testDB.Dialect(), now.AddDate(0, 0, -8), now.AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	return newEnvOnPool(t, pool, tweak...)
}

// newEnvOnPool starts a server whose store and ingest pipeline use pool.
// When t ends the server is shut down, its Serve goroutine waited for and
// the pipeline drained, in that order and before the pool closes (cleanups
// run last-in first-out).
func newEnvOnPool(t *testing.T, pool *pgxpool.Pool, tweak ...func(*Config)) *env {
	t.Helper()
	return startEnv(t, pool, nil, tweak...)
}

// startEnv is newEnvOnPool with rate-limit counts kept in shared (as with
// MONSYS_CLUSTER=1) when it is not nil.
func startEnv(t *testing.T, pool *pgxpool.Pool, shared ratelimit.DB, tweak ...func(*Config)) *env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := Config{PublicURL: base, SessionIdle: 30 * time.Minute, SessionMaxAge: 12 * time.Hour,
		BodyLimit: 1 << 20, Version: "test", Dialect: "postgres", RateQuotas: generousQuotas()}
	for _, f := range tweak {
		f(&cfg)
	}
	reg := prometheus.NewRegistry()
	st := store.New(pool)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	pipe, err := ingest.New(ingest.Config{Shards: 1}, pool, st, logger, reg)
	if err != nil {
		_ = ln.Close() // nothing serves on it yet
		t.Fatal(err)
	}
	metrics := query.New(tsdb.NewReader(pool, testDB.Dialect()), query.Config{})
	svc, err := ingest.NewService(ingest.ServiceConfig{}, pipe, ingest.NewResolver(ingest.NewSeriesCache(1024), pool), logger)
	if err != nil {
		_ = ln.Close() // nothing serves on it yet
		t.Fatal(err)
	}
	channels := notify.New(pool, notify.Config{Key: cfg.TOTPKey, Policy: cfg.Webhooks}, logger)
	vulnNow := &atomic.Int64{}
	vulnNow.Store(time.Now().UnixNano())
	vulns := vuln.New(pool, st, vuln.Config{Now: func() time.Time { return time.Unix(0, vulnNow.Load()) }}, logger)
	agents := relay.New(1000)
	deps := Deps{Store: st, Logger: logger, Registry: reg, Gatherer: reg, Ingest: svc, Metrics: metrics, SharedLimits: shared,
		Fleet: fleet.New(st, metrics, nil), Notify: channels, Vulns: vulns, Relay: agents}
	// A pool on a database that is gone (health tests) runs without the console.
	if hubKey, err := console.LoadHubKey(context.Background(), pool, nil); err == nil {
		deps.Console = console.New(pool, agents, hubKey, console.Limits{}, logger)
	}
	srv, err := New(cfg, deps)
	if err != nil {
		_ = ln.Close() // nothing serves on it yet
		t.Fatal(err)
	}
	pipe.Start(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	e := &env{t: t, srv: srv, st: st, notify: channels, pool: pool, base: base, vulns: vulns, vulnNow: vulnNow,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		if err := pipe.Close(ctx); err != nil {
			t.Errorf("close ingest pipeline: %v", err)
		}
	})
	return e
}

// with returns a copy of e that reports failures to t, for use inside
// subtests: FailNow must run on the goroutine of the test that fails.
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// cred is what a caller sends: a bearer token, or a session cookie and
// (for state-changing requests) its CSRF token. The zero cred is anonymous.
type cred struct {
	Bearer  string
	Session string
	CSRF    string
}

// reply is a finished HTTP answer with its body read.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends one request. body is nil (no body), []byte or string (sent as
// is), or anything else (JSON-encoded); a body is sent as application/json
// unless hdr (name, value pairs) says otherwise.
func (e *env) do(method, path string, c cred, body any, hdr ...string) reply {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.base+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	if c.Session != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.Session})
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// want fails the test unless the status is status, and decodes the JSON
// body into v when v is not nil.
func (r reply) want(t *testing.T, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal(r.Body, v); err != nil {
			t.Fatalf("decode %s: %v", r.Body, err)
		}
	}
}

// problemReply is a decoded RFC 9457 answer.
type problemReply struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Instance  string       `json:"instance"`
	RequestID string       `json:"request_id"`
	Errors    []FieldError `json:"errors"`
}

// wantProblem fails the test unless r is an application/problem+json
// answer with the status, a type, the status's title, a detail, and a
// request_id equal to the X-Request-Id header.
func (r reply) wantProblem(t *testing.T, status int) problemReply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body: %s", ct, r.Body)
	}
	var p problemReply
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", r.Body, err)
	}
	if p.Status != status || p.Title != http.StatusText(status) || !strings.HasPrefix(p.Type, problemTypeBase) || p.Detail == "" {
		t.Fatalf("problem %+v: want status %d, title %q, a type under %s and a detail", p, status, http.StatusText(status), problemTypeBase)
	}
	if id := r.Header.Get("X-Request-Id"); id == "" || id != p.RequestID {
		t.Fatalf("X-Request-Id %q, body request_id %q: want equal and set", id, p.RequestID)
	}
	return p
}

// hasFieldError reports whether the problem names field.
func (p problemReply) hasFieldError(field string) bool {
	for _, fe := range p.Errors {
		if fe.Field == field {
			return true
		}
	}
	return false
}

// tenantFx is a tenant with one user of each role, all with testPassword.
type tenantFx struct {
	Tenant store.Tenant
	Users  map[auth.Role]store.User
}

func (f *tenantFx) email(r auth.Role) string { return f.Users[r].Email }

// newTenant creates a tenant (slug also names it) and its four users.
func (e *env) newTenant(slug string) *tenantFx {
	e.t.Helper()
	hash, err := testPasswordHash()
	if err != nil {
		e.t.Fatal(err)
	}
	ctx := context.Background()
	b, err := e.st.CreateTenantWithOwner(ctx, slug, slug, "owner@"+slug+".test", hash)
	if err != nil {
		e.t.Fatal(err)
	}
	fx := &tenantFx{Tenant: b.Tenant, Users: map[auth.Role]store.User{auth.RoleOwner: b.Owner}}
	for _, r := range []auth.Role{auth.RoleAdmin, auth.RoleMember, auth.RoleViewer} {
		u, err := e.st.CreateUser(ctx, b.Tenant.ID, string(r)+"@"+slug+".test", string(r), hash, r)
		if err != nil {
			e.t.Fatal(err)
		}
		fx.Users[r] = u
	}
	// Each test's rules are its own: the default rules every new tenant
	// gets would alert on the samples tests send (TestDefaultRules checks
	// them).
	e.exec(`DELETE FROM alert_rules WHERE tenant_id = $1 AND builtin <> ''`, b.Tenant.ID)
	return fx
}

// session starts a session for the tenant's user of role straight in the
// store, as login would, without paying for a password check.
func (e *env) session(fx *tenantFx, role auth.Role) cred {
	e.t.Helper()
	secret, hash, err := auth.NewSecret()
	if err != nil {
		e.t.Fatal(err)
	}
	csrf, _, err := auth.NewSecret()
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateSession(context.Background(), store.NewSession{TokenHash: hash, UserID: fx.Users[role].ID,
		TenantID: fx.Tenant.ID, CSRFToken: csrf, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
	return cred{Session: secret, CSRF: csrf}
}

// apiKey makes a key with role, created by the tenant's user of that role.
func (e *env) apiKey(fx *tenantFx, role auth.Role) (cred, store.APIKey) {
	e.t.Helper()
	return e.apiKeyBy(fx, role, role, nil)
}

// apiKeyBy makes a key with role, created by the tenant's user of role by.
func (e *env) apiKeyBy(fx *tenantFx, by, role auth.Role, expires *time.Time) (cred, store.APIKey) {
	e.t.Helper()
	token, hash, err := auth.NewToken(auth.KindAPIKey)
	if err != nil {
		e.t.Fatal(err)
	}
	k, err := e.st.CreateAPIKey(context.Background(), store.NewAPIKey{TenantID: fx.Tenant.ID, CreatedBy: fx.Users[by].ID,
		Name: "fixture", Role: role, TokenHash: hash, ExpiresAt: expires})
	if err != nil {
		e.t.Fatal(err)
	}
	return cred{Bearer: token}, k
}

// enrollmentToken makes an enrollment token of the tenant.
func (e *env) enrollmentToken(tenantID uuid.UUID, expires *time.Time, maxUses *int32) (string, store.EnrollmentToken) {
	e.t.Helper()
	token, hash, err := auth.NewToken(auth.KindEnrollment)
	if err != nil {
		e.t.Fatal(err)
	}
	et, err := e.st.CreateEnrollmentToken(context.Background(), store.NewEnrollmentToken{TenantID: tenantID,
		Name: "fixture", TokenHash: hash, ExpiresAt: expires, MaxUses: maxUses})
	if err != nil {
		e.t.Fatal(err)
	}
	return token, et
}

// testAgent is an enrolled machine and its current token.
type testAgent struct {
	ID        uuid.UUID
	MachineID string
	Hostname  string
	Token     string
}

func (a testAgent) cred() cred { return cred{Bearer: a.Token} }

// agent enrolls a machine with no signing key straight in the store.
func (e *env) agent(tenantID uuid.UUID, hostname string) testAgent {
	e.t.Helper()
	token, hash, err := auth.NewToken(auth.KindAgent)
	if err != nil {
		e.t.Fatal(err)
	}
	machine := "machine-" + uuid.NewString()
	res, err := e.st.RegisterAgent(context.Background(), store.Registration{TenantID: tenantID, MachineID: machine,
		Hostname: hostname, NewTokenHash: hash})
	if err != nil {
		e.t.Fatal(err)
	}
	return testAgent{ID: res.Agent.ID, MachineID: machine, Hostname: hostname, Token: token}
}

// register calls POST /api/v1/agents/register with token as bearer.
func (e *env) register(token string, req wire.RegisterRequest, hdr ...string) reply {
	e.t.Helper()
	return e.do("POST", "/api/v1/agents/register", cred{Bearer: token}, req, hdr...)
}

// registerSigned sends req signed by key for the register purpose.
func (e *env) registerSigned(token string, req wire.RegisterRequest, key ed25519.PrivateKey, now time.Time) reply {
	e.t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		e.t.Fatal(err)
	}
	ts, sig := wire.Sign(key, wire.PurposeRegister, req.MachineID, now, body)
	return e.do("POST", "/api/v1/agents/register", cred{Bearer: token}, body,
		wire.HeaderTimestamp, ts, wire.HeaderSignature, sig)
}

// signingKey is a fresh Ed25519 key pair and its public key as the API
// takes it (base64 std).
type signingKey struct {
	Pub  ed25519.PublicKey
	Priv ed25519.PrivateKey
	B64  string
}

func newSigningKey(t *testing.T) signingKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{Pub: pub, Priv: priv, B64: base64.StdEncoding.EncodeToString(pub)}
}

// login signs in over HTTP and returns the session cookie and CSRF token.
func (e *env) login(email, password string, c cred) (cred, reply) {
	e.t.Helper()
	r := e.do("POST", "/api/v1/auth/login", c, loginRequest{Email: email, Password: password})
	if r.Status != http.StatusOK {
		return cred{}, r
	}
	var lr loginReply
	r.want(e.t, http.StatusOK, &lr)
	ck := sessionCookieOf(e.t, r)
	if ck == nil || ck.Value == "" {
		e.t.Fatalf("login set no %s cookie; Set-Cookie: %q", sessionCookie, r.Header.Values("Set-Cookie"))
	}
	return cred{Session: ck.Value, CSRF: lr.CSRFToken}, r
}

// sessionCookieOf parses the session cookie the reply sets, or nil.
func sessionCookieOf(t *testing.T, r reply) *http.Cookie {
	t.Helper()
	for _, line := range r.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("parse Set-Cookie %q: %v", line, err)
		}
		if ck.Name == sessionCookie {
			return ck
		}
	}
	return nil
}

// exec runs SQL on the test database, for backdating rows.
func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

// ids collects the "id" of each list item.
func ids[T any](items []T, id func(T) uuid.UUID) map[uuid.UUID]bool {
	m := make(map[uuid.UUID]bool, len(items))
	for _, it := range items {
		m[id(it)] = true
	}
	return m
}

func ptr[T any](v T) *T { return &v }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// latestAnomaly is the id of the tenant's newest integrity anomaly.
func (e *env) latestAnomaly(tenantID uuid.UUID) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM integrity_anomalies WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1`,
		tenantID).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// sessionID is the id of the session a cookie credential carries.
func (e *env) sessionID(c cred) uuid.UUID {
	e.t.Helper()
	h := auth.HashToken(c.Session)
	var id uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM sessions WHERE token_hash = $1`, h[:]).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// generousQuotas lifts the per-IP and per-user limits that every test
// request from 127.0.0.1 would otherwise share; the rate-limit tests put
// reference/API.md's quotas back with RateQuotas = nil.
func generousQuotas() map[string]int {
	return map[string]int{"login": 100000, "totp_challenge": 100000, "forgot_password": 100000, "invitations": 100000,
		"rotate_token": 100000, "rotate_signing_key": 100000, "user": 1000000, "totp_failures": 100000,
		"change_password": 100000, "diagram_share": 100000}
}
