package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/auth"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var h healthReply
	e.do("GET", "/api/v1/health", cred{}, nil).want(t, http.StatusOK, &h)
	if h.Status != "ok" || h.Database != "ok" || h.Version != "test" || h.Dialect != "postgres" {
		t.Fatalf("health = %+v", h)
	}
}

// wantUnhealthy checks the 503 a broken database gives.
func wantUnhealthy(t *testing.T, e *env) problemReply {
	t.Helper()
	r := e.do("GET", "/api/v1/health", cred{}, nil)
	p := r.wantProblem(t, http.StatusServiceUnavailable)
	if !strings.Contains(p.Detail, "database") {
		t.Errorf("detail %q does not name the database as the reason", p.Detail)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s <= 0 {
		t.Errorf("Retry-After %q, want a number of seconds", r.Header.Get("Retry-After"))
	}
	return p
}

func TestHealthWithClosedPool(t *testing.T) {
	t.Parallel()
	pool := testDB.New(t)
	e := newEnvOnPool(t, pool)
	e.do("GET", "/api/v1/health", cred{}, nil).want(t, http.StatusOK, nil)
	pool.Close()
	wantUnhealthy(t, e)
}

// TestHealthHidesConnectionDetails points the hub at a database that does
// not exist: the public health answer says the database is down, not which
// user, database or socket it tried.
func TestHealthHidesConnectionDetails(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(testDB.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	const missing = "monsys_no_such_database"
	cfg.ConnConfig.Database = missing
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e := newEnvOnPool(t, pool)
	p := wantUnhealthy(t, e)
	for _, secret := range []string{missing, cfg.ConnConfig.User, cfg.ConnConfig.Host} {
		if secret != "" && strings.Contains(p.Detail, secret) {
			t.Errorf("detail %q reveals %q", p.Detail, secret)
		}
	}
}

func TestMetricsUseRoutePatterns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	viewer, _ := e.apiKey(fx, auth.RoleViewer)
	ag := e.agent(fx.Tenant.ID, "web-1")

	e.do("GET", "/api/v1/health", cred{}, nil).want(t, http.StatusOK, nil)
	e.do("GET", "/api/v1/agents/"+ag.ID.String(), viewer, nil).want(t, http.StatusOK, nil)
	e.do("GET", "/api/v1/agents/"+ag.ID.String(), cred{}, nil).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/api/v1/no-such-route/"+ag.ID.String(), cred{}, nil).wantProblem(t, http.StatusNotFound)

	r := e.do("GET", "/metrics", cred{}, nil)
	r.want(t, http.StatusOK, nil)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text exposition format", ct)
	}
	body := string(r.Body)
	for _, line := range []string{
		`monsys_http_requests_total{code="200",method="GET",route="/api/v1/health"} 1`,
		`monsys_http_requests_total{code="200",method="GET",route="/api/v1/agents/:id"} 1`,
		`monsys_http_requests_total{code="401",method="GET",route="/api/v1/agents/:id"} 1`,
		`monsys_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`monsys_http_request_duration_seconds_count{method="GET",route="/api/v1/agents/:id"} 2`,
		`monsys_http_requests_in_flight 1`, // the scrape itself
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	if strings.Contains(body, ag.ID.String()) {
		t.Error("/metrics contains a raw agent id: labels must be route patterns")
	}
}
