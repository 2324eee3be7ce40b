package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/internal/smtptest"
	"github.com/monsys/monsys/mail"
	"github.com/monsys/monsys/notify"
)

// TestEachKindReceivesTheMessage: an agent going silent reaches an ntfy
// server, a Gotify server, a generic JSON webhook (local HTTP servers,
// through shoutrrr) and a mailbox (the test SMTP server, through the
// hub's mail client), each with the host and the state in it.
func TestEachKindReceivesTheMessage(t *testing.T) {
	f := newFixture(t)
	ntfy, gotify, generic := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
	smtp := smtptest.New(t)
	mailer, err := mail.ParseSMTP("smtp://"+smtp.Addr, "hub@example.org")
	if err != nil {
		t.Fatal(err)
	}
	svc := f.service(notify.Config{Policy: loopback, Mail: mailer})
	ctx := context.Background()
	chans := map[string]string{
		"ntfy":    "ntfy://" + ntfy.host() + "/monsys-alerts?scheme=http",
		"gotify":  "gotify://" + gotify.host() + "/Aabcdefghijklmn?disabletls=yes",
		"generic": "generic://" + generic.host() + "/hook?template=json&disabletls=yes",
		"email":   "mailto:ops@example.org, oncall@example.org",
	}
	ids := map[string]string{}
	for kind, target := range chans {
		c := f.channel(t, svc, notify.Input{Name: kind, Target: target})
		if c.Kind != kind {
			t.Errorf("%s: kind %q", target, c.Kind)
		}
		ids[kind] = c.ID.String()
	}
	f.silentAgents(t, 1, `{}`)
	f.set(time.Now().Add(notify.DefaultGroupWindow + time.Second))
	if err := svc.Run(ctx); err != nil {
		t.Fatal(err)
	}

	got := ntfy.received()
	if len(got) != 1 || got[0].Path != "/monsys-alerts" || !strings.Contains(got[0].Body, "agent_silent on host-00") {
		t.Errorf("ntfy received %+v", got)
	}
	got = gotify.received()
	if len(got) != 1 || got[0].Path != "/message" || !strings.Contains(got[0].Body, "host-00") {
		t.Errorf("gotify received %+v", got)
	}
	got = generic.received()
	if len(got) != 1 || got[0].ContentType != "application/json" {
		t.Fatalf("generic received %+v", got)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(got[0].Body), &body); err != nil {
		t.Fatalf("generic body %q: %v", got[0].Body, err)
	}
	if !strings.HasPrefix(body["title"], "[monsys] FIRING warning: agent_silent on host-00") ||
		!strings.Contains(body["message"], "FIRING warning agent_silent on host-00: host-00 has not reported since") {
		t.Errorf("generic JSON %v", body)
	}
	to := map[string]bool{}
	for range 2 {
		select {
		case m := <-smtp.Got:
			to[m.To] = true
			if !strings.Contains(m.Data, "Subject: [monsys] FIRING warning: agent_silent on host-00") {
				t.Errorf("mail to %s: %q", m.To, m.Data)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no mail arrived")
		}
	}
	if !to["ops@example.org"] || !to["oncall@example.org"] {
		t.Errorf("mail went to %v", to)
	}
	for kind, id := range ids {
		ds := f.deliveries(t, svc, mustUUID(t, id))
		if len(ds) != 1 || ds[0].Status != "delivered" || ds[0].Events != 1 || ds[0].Attempts != 1 {
			t.Errorf("%s delivery log %+v", kind, ds)
		}
	}
}

// TestFailingChannelIsRetriedAndLogged: a webhook answering 500 is
// logged with the reason, retried on the schedule (not before), and
// delivered on the retry.
func TestFailingChannelIsRetriedAndLogged(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t, func(n int) int {
		if n == 1 {
			return 500
		}
		return 200
	})
	reg := prometheus.NewRegistry()
	metrics, err := notify.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	svc := f.service(notify.Config{Policy: loopback, Schedule: []time.Duration{time.Minute}, Metrics: metrics})
	c := f.channel(t, svc, notify.Input{Target: "generic+http://" + r.host() + "/hook?template=json"})
	f.silentAgents(t, 1, `{}`)
	ctx := context.Background()
	start := time.Now().Add(time.Hour)
	f.set(start)
	if err := svc.Run(ctx); err != nil {
		t.Fatal(err)
	}
	ds := f.deliveries(t, svc, c.ID)
	if len(ds) != 1 || ds[0].Status != "pending" || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, "500") ||
		ds[0].NextAttemptAt == nil || ds[0].NextAttemptAt.Before(start.Add(47*time.Second)) {
		t.Fatalf("after a 500: %+v", ds)
	}
	f.set(start.Add(30 * time.Second)) // before the retry is due
	if err := svc.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(r.received()); n != 1 {
		t.Fatalf("%d requests before the retry was due; want 1", n)
	}
	f.set(start.Add(2 * time.Minute))
	if err := svc.Run(ctx); err != nil {
		t.Fatal(err)
	}
	ds = f.deliveries(t, svc, c.ID)
	if len(ds) != 1 || ds[0].Status != "delivered" || ds[0].Attempts != 2 || ds[0].DeliveredAt == nil {
		t.Fatalf("after the retry: %+v", ds)
	}
	if n := len(r.received()); n != 1 {
		t.Fatalf("%d requests on the retry; want 1", n)
	}
	if text := metricsText(t, reg); !strings.Contains(text, `monsys_notification_attempts_total{kind="generic",result="retry"} 1`) ||
		!strings.Contains(text, `monsys_notification_attempts_total{kind="generic",result="delivered"} 1`) ||
		!strings.Contains(text, `monsys_notification_events_grouped_total 1`) {
		t.Errorf("metrics:\n%s", text)
	}

	// Pruning the log takes the message's events with it: nothing is
	// grouped or sent again.
	if n, err := svc.Prune(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v) of a fresh log", n, err)
	}
	if n, err := svc.Prune(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v); want 1", n, err)
	}
	f.set(start.Add(time.Hour))
	if err := svc.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(r.received()); n != 0 || len(f.deliveries(t, svc, c.ID)) != 0 {
		t.Fatalf("after pruning: %d requests, log %+v", n, f.deliveries(t, svc, c.ID))
	}
}

// TestGivenUpAfterTheSchedule: a target that never answers well is failed
// once the schedule is spent, with the reason in the log.
func TestGivenUpAfterTheSchedule(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t, func(int) int { return 503 })
	svc := f.service(notify.Config{Policy: loopback, Schedule: []time.Duration{time.Second}})
	c := f.channel(t, svc, notify.Input{Target: "generic+http://" + r.host() + "/hook"})
	f.silentAgents(t, 1, `{}`)
	for i := range 3 {
		f.set(time.Now().Add(time.Hour + time.Duration(i)*time.Minute))
		if err := svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ds := f.deliveries(t, svc, c.ID)
	if len(ds) != 1 || ds[0].Status != "failed" || ds[0].Attempts != 2 || !strings.Contains(ds[0].LastError, "503") {
		t.Fatalf("%+v", ds)
	}
	if n := len(r.received()); n != 2 {
		t.Fatalf("%d attempts; want 2", n)
	}
}

// TestQuietHoursHoldAMessage: an alert raised during a channel's quiet
// hours is held, and sent once they end.
func TestQuietHoursHoldAMessage(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t, nil)
	svc := f.service(notify.Config{Policy: loopback})
	c := f.channel(t, svc, notify.Input{Target: "generic+http://" + r.host() + "/hook?template=json",
		Quiet: notify.QuietHours{TimeZone: "Europe/Berlin", Start: "22:00", End: "07:00"}})
	f.silentAgents(t, 1, `{}`)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := time.Now().In(berlin).AddDate(0, 0, 2)
	night := time.Date(day.Year(), day.Month(), day.Day(), 23, 30, 0, 0, berlin)
	f.set(night)
	if err := svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := r.received(); len(got) != 0 {
		t.Fatalf("sent during quiet hours: %+v", got)
	}
	if ds := f.deliveries(t, svc, c.ID); len(ds) != 0 {
		t.Fatalf("a message was made during quiet hours: %+v", ds)
	}
	f.set(night.Add(7*time.Hour + 31*time.Minute)) // 07:01 the next morning
	if err := svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := r.received(); len(got) != 1 || !strings.Contains(got[0].Body, "host-00") {
		t.Fatalf("after quiet hours: %+v", got)
	}
}

// TestBurstOfFiftySilentAgentsIsOneMessage: fifty agents going silent in
// one pass of the check send one message listing every one of them, after
// the grouping window and not before.
func TestBurstOfFiftySilentAgentsIsOneMessage(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t, nil)
	svc := f.service(notify.Config{Policy: loopback})
	c := f.channel(t, svc, notify.Input{Target: "generic+http://" + r.host() + "/hook?template=json", GroupWindow: notify.DefaultGroupWindow})
	f.silentAgents(t, 50, `{}`)
	if err := svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := r.received(); len(got) != 0 {
		t.Fatalf("sent inside the grouping window: %d messages", len(got))
	}
	f.set(time.Now().Add(31 * time.Second))
	if err := svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := r.received()
	if len(got) != 1 {
		t.Fatalf("%d messages for a burst of 50; want 1", len(got))
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(got[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["title"] != "[monsys] 50 alerts firing" {
		t.Errorf("title %q", body["title"])
	}
	for i := range 50 {
		host := "agent_silent on host-" + twoDigits(i)
		if !strings.Contains(body["message"], host) {
			t.Errorf("message does not list %s", host)
		}
	}
	if ds := f.deliveries(t, svc, c.ID); len(ds) != 1 || ds[0].Events != 50 {
		t.Errorf("delivery log %+v", ds)
	}
}

// TestPrivateTargetRefusedWithoutAllow: without MONSYS_WEBHOOK_ALLOW_CIDRS
// a loopback target is refused when the channel is made, and a channel
// whose target became private is refused at send time, nothing sent.
func TestPrivateTargetRefusedWithoutAllow(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t, nil)
	strict := f.service(notify.Config{})
	for _, target := range []string{"ntfy://" + r.host() + "/x?scheme=http", "gotify://localhost/Aabcdefghijklmn",
		"generic+http://10.1.2.3/hook", "generic://169.254.169.254/latest"} {
		_, err := strict.Create(context.Background(), f.tenant, notify.Input{Name: "x", Target: target, Enabled: true}, &f.owner,
			f.event("notification_channel_created"))
		var fe notify.FieldErrors
		if !errors.As(err, &fe) || fe[0].Field != "url" || !strings.Contains(fe[0].Msg, "loopback") {
			t.Errorf("%s: %v", target, err)
		}
	}
	// Made while the range was allowed; the operator then took it away.
	c := f.channel(t, f.service(notify.Config{Policy: loopback}), notify.Input{Target: "generic+http://" + r.host() + "/hook", GroupWindow: 0})
	d, err := strict.Test(context.Background(), f.tenant, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != "failed" || !strings.Contains(d.LastError, "refused") {
		t.Errorf("test of a private target: %+v", d)
	}
	if got := r.received(); len(got) != 0 {
		t.Errorf("the private target received %d requests", len(got))
	}
}

func twoDigits(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }
