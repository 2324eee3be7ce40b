package client

import (
	"context"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/api"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/ingest"
	"github.com/monsys/monsys/internal/pgtest"
	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
)

// The client is tested against the real API: the hub's api package
// serving over loopback HTTP on a fresh database of the test PostgreSQL.

var testDB *pgtest.Harness

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &testDB)) }

// testHub is one running API server and the store behind it.
type testHub struct {
	url    string
	st     *store.Store
	tenant store.Tenant
	users  map[auth.Role]store.User
}

// newHub serves the API on a fresh database with one tenant that has a
// person of every role. Everything stops when t ends.
func newHub(t *testing.T) *testHub {
	t.Helper()
	pool := testDB.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	reg := prometheus.NewRegistry()
	st := store.New(pool)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	pipe, err := ingest.New(ingest.Config{Shards: 1}, pool, st, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := ingest.NewService(ingest.ServiceConfig{}, pipe, ingest.NewResolver(ingest.NewSeriesCache(64), pool), logger)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{PublicURL: base, SessionIdle: 30 * time.Minute, SessionMaxAge: time.Hour, BodyLimit: 1 << 20,
		Version: "test", Dialect: string(testDB.Dialect())},
		api.Deps{Store: st, Logger: logger, Registry: reg, Gatherer: reg,
			Ingest:  svc,
			Metrics: query.New(tsdb.NewReader(pool, testDB.Dialect()), query.Config{})})
	if err != nil {
		t.Fatal(err)
	}
	pipe.Start(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		if err := pipe.Close(ctx); err != nil {
			t.Errorf("close ingest: %v", err)
		}
	})

	hash, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := st.CreateTenantWithOwner(ctx, "Acme", "acme", "owner@acme.test", hash)
	if err != nil {
		t.Fatal(err)
	}
	h := &testHub{url: base, st: st, tenant: b.Tenant, users: map[auth.Role]store.User{auth.RoleOwner: b.Owner}}
	for _, r := range []auth.Role{auth.RoleAdmin, auth.RoleMember, auth.RoleViewer} {
		if h.users[r], err = st.CreateUser(ctx, b.Tenant.ID, string(r)+"@acme.test", string(r), hash, r); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// as is a client with an API key of role.
func (h *testHub) as(t *testing.T, role auth.Role) *Client {
	t.Helper()
	key, hash, err := auth.NewToken(auth.KindAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.CreateAPIKey(context.Background(), store.NewAPIKey{TenantID: h.tenant.ID, CreatedBy: h.users[role].ID,
		Name: "client test", Role: role, TokenHash: hash}); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: h.url, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// agent registers a machine called hostname and returns its id.
func (h *testHub) agent(t *testing.T, hostname string) string {
	t.Helper()
	_, hash, err := auth.NewToken(auth.KindAgent)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.st.RegisterAgent(context.Background(), store.Registration{TenantID: h.tenant.ID,
		MachineID: "machine-" + uuid.NewString(), Hostname: hostname, OS: "linux", Arch: "amd64", NewTokenHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	return res.Agent.ID.String()
}
