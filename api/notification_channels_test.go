package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/notify"
	"github.com/monsys/monsys/webhook"
)

// TestNotificationChannelsOverHTTP: an admin adds an ntfy channel (the
// URL's password never comes back), tests it, narrows its routing, gets a
// real alert through it, reads the delivery log and removes it; members
// and other tenants cannot see it.
func TestNotificationChannelsOverHTTP(t *testing.T) {
	e := newEnv(t, allowLoopback, func(c *Config) { c.TOTPKey = []byte("0123456789abcdef0123456789abcdef") })
	fx := e.newTenant("acme")
	admin := e.session(fx, auth.RoleAdmin)
	got := make(chan string, 16)
	ntfy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + string(b)
		_, _ = w.Write([]byte(`{"id":"x"}`))
	}))
	t.Cleanup(ntfy.Close)
	host := ntfy.Listener.Addr().String()
	url := "ntfy://bot:s3cretPassw0rd@" + host + "/ops?scheme=http"

	e.do("POST", "/api/v1/notification-channels", e.session(fx, auth.RoleMember), channelRequest{Name: "ops", URL: url}).
		wantProblem(t, http.StatusForbidden)
	p := e.do("POST", "/api/v1/notification-channels", admin, channelRequest{Name: "ops", URL: "irc://irc.example.org/ops"}).
		wantProblem(t, http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "url" {
		t.Errorf("irc URL: %+v", p)
	}
	window := 0
	r := e.do("POST", "/api/v1/notification-channels", admin, channelRequest{Name: "ops", URL: url, GroupWindowS: &window})
	var ch channelReply
	r.want(t, http.StatusCreated, &ch)
	if strings.Contains(string(r.Body), "s3cret") || ch.Target != "ntfy://127.0.0.1" || ch.Kind != "ntfy" || !ch.Enabled {
		t.Fatalf("created: %s", r.Body)
	}
	r = e.do("GET", "/api/v1/notification-channels/"+ch.ID.String(), admin, nil)
	if r.Status != http.StatusOK || strings.Contains(string(r.Body), "s3cret") {
		t.Fatalf("get: %d %s", r.Status, r.Body)
	}

	var d notificationDeliveryReply
	e.do("POST", "/api/v1/notification-channels/"+ch.ID.String()+"/test", admin, nil).want(t, http.StatusOK, &d)
	if d.Status != "delivered" || d.Purpose != "test" || d.Attempts != 1 {
		t.Fatalf("test: %+v", d)
	}
	if m := <-got; !strings.Contains(m, "ops") || !strings.Contains(m, "This is a test message from monsys") {
		t.Errorf("ntfy got %q", m)
	}

	// Only critical alerts now: a warning is not sent, a critical one is.
	var up channelReply
	e.do("PATCH", "/api/v1/notification-channels/"+ch.ID.String(), admin,
		map[string]any{"routing": map[string]any{"severities": []string{"critical"}}}).want(t, http.StatusOK, &up)
	if up.Name != "ops" || len(up.Routing.Severities) != 1 || up.GroupWindowS != 0 {
		t.Fatalf("patched: %+v", up)
	}
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	e.raiseAgentAlert(a, "disk_full:/", "firing") // critical
	svc := notify.New(e.pool, notify.Config{Key: []byte("0123456789abcdef0123456789abcdef"),
		Policy: webhook.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}}, slog.New(slog.DiscardHandler))
	if err := svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if !strings.Contains(m, "disk_full:/ on web-1") {
			t.Errorf("alert message %q", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the alert did not reach ntfy")
	}

	var log page[notificationDeliveryReply]
	e.do("GET", "/api/v1/notification-channels/"+ch.ID.String()+"/deliveries", admin, nil).want(t, http.StatusOK, &log)
	if len(log.Items) != 2 || log.Items[0].Purpose != "alerts" || log.Items[0].Status != "delivered" || log.Items[0].Events != 1 ||
		log.Items[1].Purpose != "test" {
		t.Errorf("delivery log %+v", log.Items)
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE event_type LIKE 'notification_channel_%'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d audit events (%v); want created and updated", n, err)
	}

	rival := e.newTenant("rival")
	e.do("GET", "/api/v1/notification-channels/"+ch.ID.String(), e.session(rival, auth.RoleOwner), nil).wantProblem(t, http.StatusNotFound)
	e.do("DELETE", "/api/v1/notification-channels/"+ch.ID.String(), admin, nil).want(t, http.StatusNoContent, nil)
	e.do("GET", "/api/v1/notification-channels/"+ch.ID.String(), admin, nil).wantProblem(t, http.StatusNotFound)
	var list page[channelReply]
	e.do("GET", "/api/v1/notification-channels", admin, nil).want(t, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Errorf("listed after delete: %+v", list.Items)
	}
}
