package api

import (
	"context"
	"encoding/json"
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
	"github.com/prometheus/client_golang/prometheus"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/webhook"
	"github.com/monsys/monsys/wire"
)

// receiver is a local webhook endpoint that verifies every request with
// the Standard Webhooks reference library and answers 500 to the first
// failFirst requests.
type receiver struct {
	t         *testing.T
	srv       *httptest.Server
	failFirst int

	mu       sync.Mutex
	verifier *standardwebhooks.Webhook
	ids      []string
	payloads []webhook.Payload
	badSigs  int
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	r := &receiver{t: t, failFirst: failFirst}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.ids = append(r.ids, req.Header.Get("webhook-id"))
		if r.verifier == nil || r.verifier.Verify(body, req.Header) != nil {
			r.badSigs++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if len(r.ids) <= r.failFirst {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("payload %s: %v", body, err)
		}
		r.payloads = append(r.payloads, p)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setSecret(secret string) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		r.t.Fatal(err)
	}
	r.mu.Lock()
	r.verifier = wh
	r.mu.Unlock()
}

func (r *receiver) seen() (ids []string, payloads []webhook.Payload, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...), append([]webhook.Payload(nil), r.payloads...), r.badSigs
}

func allowLoopback(c *Config) {
	c.Webhooks = webhook.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
}

// raiseAgentAlert sends a firing (or resolved) agent alert in a batch.
func (e *env) raiseAgentAlert(a pinnedAgent, key, state string) {
	e.t.Helper()
	b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(),
		Alerts: []wire.Alert{{Key: key, Severity: "critical", Summary: "disk 97% full", State: state}}}
	e.ingest(a, zstdBody(e.t, wire.AppendBatchJSON(nil, b)), "zstd", time.Now()).want(e.t, http.StatusOK, nil)
}

// deliverUntil runs the deliverer until done holds, for at most 10 s.
func deliverUntil(t *testing.T, d *webhook.Deliverer, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatal("deliveries did not finish within 10 s")
		}
		if err := d.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhookDeliveredSignedAndRetried: an alert event reaches a loopback
// receiver (allowed by the operator's range) signed per Standard Webhooks;
// a receiver that fails twice gets the same webhook-id three times and is
// delivered on the third; the delivery log shows both.
func TestWebhookDeliveredSignedAndRetried(t *testing.T) {
	e := newEnv(t, allowLoopback)
	fx := e.newTenant("acme")
	admin := e.session(fx, auth.RoleAdmin)
	good, flaky := newReceiver(t, 0), newReceiver(t, 2)
	var goodHook, flakyHook createWebhookReply
	e.do("POST", "/api/v1/webhooks", e.session(fx, auth.RoleMember), createWebhookRequest{URL: good.srv.URL}).wantProblem(t, http.StatusForbidden)
	e.do("POST", "/api/v1/webhooks", admin, createWebhookRequest{URL: good.srv.URL + "/hook", Description: "pager"}).want(t, http.StatusCreated, &goodHook)
	e.do("POST", "/api/v1/webhooks", admin, createWebhookRequest{URL: flaky.srv.URL + "/hook"}).want(t, http.StatusCreated, &flakyHook)
	if !strings.HasPrefix(goodHook.Secret, "whsec_") {
		t.Fatalf("secret %q is not whsec_…", goodHook.Secret)
	}
	good.setSecret(goodHook.Secret)
	flaky.setSecret(flakyHook.Secret)

	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	e.raiseAgentAlert(a, "disk_full:/", "firing")
	reg := prometheus.NewRegistry()
	metrics, err := webhook.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	d := webhook.New(e.st, webhook.Config{Policy: webhook.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
		Schedule: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}, Timeout: 15 * time.Second,
		Metrics: metrics}, slog.New(slog.DiscardHandler))
	deliverUntil(t, d, func() bool {
		_, gp, _ := good.seen()
		_, fp, _ := flaky.seen()
		return len(gp) == 1 && len(fp) == 1
	})
	ids, payloads, bad := good.seen()
	if bad != 0 || len(ids) != 1 {
		t.Fatalf("good receiver: %d requests, %d with bad signatures", len(ids), bad)
	}
	p := payloads[0]
	if p.Type != "alert.firing" || p.Data.Key != "disk_full:/" || p.Data.Hostname != "web-1" || p.Data.Severity != "critical" ||
		p.Data.AgentID == nil || *p.Data.AgentID != a.ID {
		t.Errorf("payload %+v", p)
	}
	fids, _, fbad := flaky.seen()
	if fbad != 0 || len(fids) != 3 || fids[0] != fids[1] || fids[1] != fids[2] || !strings.HasPrefix(fids[0], "msg_") {
		t.Errorf("flaky receiver saw ids %v (%d bad signatures), want the same msg_ id three times", fids, fbad)
	}

	if got := metricText(t, reg); !strings.Contains(got, `monsys_webhook_attempts_total{result="delivered"} 2`) ||
		!strings.Contains(got, `monsys_webhook_attempts_total{result="retry"} 2`) {
		t.Errorf("webhook metrics:\n%s", got)
	}

	var log page[deliveryReply]
	e.do("GET", "/api/v1/webhooks/"+flakyHook.ID.String()+"/deliveries", admin, nil).want(t, http.StatusOK, &log)
	if len(log.Items) != 1 || log.Items[0].Status != "delivered" || log.Items[0].Attempts != 3 ||
		log.Items[0].MessageID != fids[0] || log.Items[0].EventType != "alert.firing" {
		t.Errorf("flaky delivery log %+v", log.Items)
	}
	e.do("GET", "/api/v1/webhooks/"+goodHook.ID.String()+"/deliveries?status=delivered", admin, nil).want(t, http.StatusOK, &log)
	if len(log.Items) != 1 || log.Items[0].Attempts != 1 || log.Items[0].LastStatus == nil || *log.Items[0].LastStatus != 204 {
		t.Errorf("good delivery log %+v", log.Items)
	}

	// A deleted endpoint gets nothing more; the resolve goes to the other.
	e.do("DELETE", "/api/v1/webhooks/"+flakyHook.ID.String(), admin, nil).want(t, http.StatusNoContent, nil)
	e.raiseAgentAlert(a, "disk_full:/", "resolved")
	deliverUntil(t, d, func() bool { _, gp, _ := good.seen(); return len(gp) == 2 })
	if _, gp, _ := good.seen(); gp[1].Type != "alert.resolved" {
		t.Errorf("second event %s, want alert.resolved", gp[1].Type)
	}
	if fids2, _, _ := flaky.seen(); len(fids2) != 3 {
		t.Errorf("deleted endpoint got %d more requests", len(fids2)-3)
	}
	other := e.newTenant("rival")
	e.do("GET", "/api/v1/webhooks/"+goodHook.ID.String()+"/deliveries", e.session(other, auth.RoleOwner), nil).wantProblem(t, http.StatusNotFound)

	// The log keeps a window: finished deliveries older than it go.
	if n, err := e.st.PruneDeliveries(context.Background(), time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("pruning an hour back removed %d (%v), want none", n, err)
	}
	if n, err := e.st.PruneDeliveries(context.Background(), time.Now().Add(time.Hour)); err != nil || n != 3 {
		t.Errorf("pruning everything finished removed %d (%v), want 3", n, err)
	}
}

// TestWebhookPrivateTargetsRefused: without an operator's allowance,
// private and loopback URLs are refused when created, and a name that
// resolves to loopback is refused at dial time, after DNS.
func TestWebhookPrivateTargetsRefused(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin := e.session(fx, auth.RoleAdmin)
	rcv := newReceiver(t, 0)
	for _, u := range []string{rcv.srv.URL, "http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/",
		"http://100.64.0.1/", "http://[fd00::1]/", "http://localhost:9000/", "http://127.1/", "http://0x7f000001/", "http://2130706433/", "http://0177.0.0.1/", "ftp://example.com/", "https://user:pw@example.com/"} {
		p := e.do("POST", "/api/v1/webhooks", admin, createWebhookRequest{URL: u}).wantProblem(t, http.StatusUnprocessableEntity)
		if !p.hasFieldError("url") {
			t.Errorf("%s: problem does not name url: %+v", u, p.Errors)
		}
	}
	// Stored behind validation's back (or a name that later resolves to a
	// private address): the dialer refuses it after resolving the name.
	port := rcv.srv.URL[strings.LastIndexByte(rcv.srv.URL, ':'):]
	w, err := e.st.CreateWebhook(context.Background(), fx.Tenant.ID, "http://localhost"+port+"/hook", "", "whsec_dGVzdHNlY3JldA==", nil)
	if err != nil {
		t.Fatal(err)
	}
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	e.raiseAgentAlert(a, "disk_full:/", "firing")
	d := webhook.New(e.st, webhook.Config{DisableAfter: time.Millisecond, Schedule: []time.Duration{10 * time.Millisecond}},
		slog.New(slog.DiscardHandler))
	var log page[deliveryReply]
	deliverUntil(t, d, func() bool {
		e.do("GET", "/api/v1/webhooks/"+w.ID.String()+"/deliveries", admin, nil).want(t, http.StatusOK, &log)
		return len(log.Items) == 1 && log.Items[0].Status == "failed"
	})
	if !strings.Contains(log.Items[0].LastError, "refused") {
		t.Errorf("delivery error %q, want a refusal", log.Items[0].LastError)
	}
	if ids, _, _ := rcv.seen(); len(ids) != 0 {
		t.Errorf("the loopback receiver got %d requests", len(ids))
	}
	// Failing for longer than DisableAfter disabled the endpoint.
	var hooks page[webhookReply]
	e.do("GET", "/api/v1/webhooks", admin, nil).want(t, http.StatusOK, &hooks)
	if len(hooks.Items) != 1 || hooks.Items[0].DisabledAt == nil || hooks.Items[0].FailingSince == nil {
		t.Errorf("endpoint after failing: %+v", hooks.Items)
	}
}

// metricText renders a registry's counters as name{labels} value lines.
func metricText(t *testing.T, reg prometheus.Gatherer) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			b.WriteString(mf.GetName())
			if len(m.GetLabel()) > 0 {
				b.WriteString("{")
				for i, l := range m.GetLabel() {
					if i > 0 {
						b.WriteString(",")
					}
					b.WriteString(l.GetName() + "=\"" + l.GetValue() + "\"")
				}
				b.WriteString("}")
			}
			if c := m.GetCounter(); c != nil {
				b.WriteString(" " + strconv.FormatFloat(c.GetValue(), 'g', -1, 64))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
