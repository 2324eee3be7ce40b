package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/notify"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/webhook"
)

// loopback is the allow list that lets channels reach the tests' servers.
var loopback = webhook.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}

var testKey = []byte("0123456789abcdef0123456789abcdef")

// fixture is one test's database, tenant and clock.
type fixture struct {
	pool   *pgxpool.Pool
	st     *store.Store
	tenant uuid.UUID
	owner  uuid.UUID
	mu     sync.Mutex
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := db.New(t)
	st := store.New(pool)
	b, err := st.CreateTenantWithOwner(context.Background(), "Tenant", "t-"+uuid.NewString()[:8], "owner@example.org",
		"$argon2id$v=19$m=32768,t=2,p=1$c2FsdA$a2V5")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{pool: pool, st: st, tenant: b.Tenant.ID, owner: b.Owner.ID, now: time.Now()}
}

// clock is the service's injected clock.
func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}

func (f *fixture) service(cfg notify.Config) *notify.Service {
	cfg.Now = f.clock
	if cfg.Key == nil {
		cfg.Key = testKey
	}
	return notify.New(f.pool, cfg, slog.New(slog.DiscardHandler))
}

func (f *fixture) event(typ string) audit.Event {
	return audit.Event{TenantID: f.tenant.String(), ActorType: audit.ActorUser, ActorID: f.owner.String(), Type: typ}
}

func (f *fixture) channel(t *testing.T, svc *notify.Service, in notify.Input) notify.Channel {
	t.Helper()
	in.Enabled = true
	if in.Name == "" {
		in.Name = "test channel"
	}
	c, err := svc.Create(context.Background(), f.tenant, in, &f.owner, f.event("notification_channel_created"))
	if err != nil {
		t.Fatalf("create channel %q: %v", in.Target, err)
	}
	return c
}

// silentAgents adds n agents (hostnames host-00 …) that stopped reporting
// ten minutes ago, with governance, and runs the silent check: each gets
// its agent_silent alert through the real transition.
func (f *fixture) silentAgents(t *testing.T, n int, governance string) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		_, err := f.pool.Exec(ctx, `INSERT INTO agents (id, tenant_id, machine_id, hostname, last_seen_at, governance)
VALUES ($1, $2, $3, $4, now() - interval '10 minutes', $5::jsonb)`, uuid.Must(uuid.NewV7()), f.tenant,
			fmt.Sprintf("m-%d-%s", i, uuid.NewString()), fmt.Sprintf("host-%02d", i), governance)
		if err != nil {
			t.Fatal(err)
		}
	}
	sw, err := f.st.SweepSilentAgents(ctx, 3, 0, 1000)
	if err != nil || sw.Raised != n {
		t.Fatalf("silent sweep = %+v, %v; want %d raised", sw, err, n)
	}
}

func (f *fixture) deliveries(t *testing.T, svc *notify.Service, id uuid.UUID) []notify.Delivery {
	t.Helper()
	ds, err := svc.Deliveries(context.Background(), f.tenant, id, "", nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// request is one HTTP request a test server received.
type request struct {
	Path, ContentType, Body string
}

// receiver is a local HTTP server standing in for ntfy, Gotify or a
// generic webhook; status answers each request (200 when it returns 0).
type receiver struct {
	srv *httptest.Server
	got chan request
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{got: make(chan request, 64)}
	var mu sync.Mutex
	n := 0
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		mu.Lock()
		n++
		code := 0
		if status != nil {
			code = status(n)
		}
		mu.Unlock()
		r.got <- request{Path: req.URL.Path, ContentType: req.Header.Get("Content-Type"), Body: string(b)}
		if code == 0 {
			code = 200
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"id":1}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) host() string { return r.srv.Listener.Addr().String() }

// received is the requests received so far.
func (r *receiver) received() []request {
	var out []request
	for {
		select {
		case q := <-r.got:
			out = append(out, q)
		default:
			return out
		}
	}
}

func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// metricsText is reg's counters as name{label="v",…} value lines.
func metricsText(t *testing.T, reg prometheus.Gatherer) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+strconv.Quote(l.GetValue()))
			}
			name := mf.GetName()
			if len(labels) > 0 {
				name += "{" + strings.Join(labels, ",") + "}"
			}
			fmt.Fprintf(&b, "%s %g\n", name, m.GetCounter().GetValue())
		}
	}
	return b.String()
}
