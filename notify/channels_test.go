package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/notify"
)

// TestTargetSealedAndNeverShown: the stored target is ciphertext (the
// token is not in the row), answers show the scheme and host only, and
// the sealed value does not open under another channel's id.
func TestTargetSealedAndNeverShown(t *testing.T) {
	f := newFixture(t)
	svc := f.service(notify.Config{})
	const token = "AsecretTokenXyz"
	cases := map[string]string{
		"gotify://gotify.example.org/" + token:                                       "gotify://gotify.example.org",
		"ntfy://user:" + token + "@ntfy.example.org/alerts":                          "ntfy://ntfy.example.org",
		"pushover://shoutrrr:" + token + "@userKey123/":                              "pushover://api.pushover.net",
		"slack://hook:WNA3PBYV6-F20DUQND3RQ-" + token + "Webc4MAvoacrpPakR8@webhook": "slack://hooks.slack.com",
		"discord://" + token + "@123456789":                                          "discord://discord.com",
		"telegram://110201543:" + token + "@telegram?chats=@ops":                     "telegram://api.telegram.org",
		"teams+https://contoso.webhook.office.com/webhookb2/11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/IncomingWebhook/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/" + token: "teams://contoso.webhook.office.com",
		"matrix://bot:" + token + "@matrix.example.org/?rooms=!abc": "matrix://matrix.example.org",
		"teams://11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/" + token + "?host=contoso.webhook.office.com": "teams://contoso.webhook.office.com",
	}
	for target, shown := range cases {
		c := f.channel(t, svc, notify.Input{Target: target})
		if c.Shown != shown {
			t.Errorf("%s shown as %q; want %q", target, c.Shown, shown)
		}
		var sealed string
		if err := f.pool.QueryRow(context.Background(), `SELECT target_sealed FROM notification_channels WHERE id = $1`, c.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, token) || !strings.HasPrefix(sealed, "enc1:") {
			t.Errorf("%s stored as %q", target, sealed)
		}
	}
	// Copy one channel's sealed target onto another: it must not open.
	cs, err := svc.Channels(context.Background(), f.tenant, nil, 100)
	if err != nil || len(cs) != len(cases) {
		t.Fatalf("%d channels, %v", len(cs), err)
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE notification_channels SET target_sealed =
(SELECT target_sealed FROM notification_channels WHERE id = $1) WHERE id = $2`, cs[0].ID, cs[1].ID); err != nil {
		t.Fatal(err)
	}
	d, err := svc.Test(context.Background(), f.tenant, cs[1].ID)
	if err != nil || d.Status != "failed" || !strings.Contains(d.LastError, "cannot open") {
		t.Errorf("swapped sealed target: %+v %v", d, err)
	}
}

// TestRoutingChoosesTheChannels: severity, source, tag and environment
// filters each keep an alert from a channel that does not want it.
func TestRoutingChoosesTheChannels(t *testing.T) {
	f := newFixture(t)
	svc := f.service(notify.Config{Policy: loopback})
	target := "generic+http://" + newReceiver(t, nil).host() + "/hook"
	want := map[string]bool{}
	for name, r := range map[string]notify.Routing{
		"all":          {},
		"warning":      {Severities: []string{"warning"}},
		"critical":     {Severities: []string{"critical"}},
		"system":       {Sources: []string{"system"}},
		"rules":        {Sources: []string{"rule"}},
		"tag-db":       {Tags: []string{"db", "web"}},
		"tag-cache":    {Tags: []string{"cache"}},
		"env-prod":     {Environments: []string{"production"}},
		"env-staging":  {Environments: []string{"staging"}},
		"prod-warning": {Severities: []string{"warning"}, Environments: []string{"production"}, Tags: []string{"db"}},
	} {
		c := f.channel(t, svc, notify.Input{Name: name, Target: target, Routing: r})
		want[c.ID.String()] = map[string]bool{"all": true, "warning": true, "system": true, "tag-db": true,
			"env-prod": true, "prod-warning": true}[name]
	}
	f.silentAgents(t, 1, `{"environment":"production","tags":["db"]}`) // a warning from source system
	rows, err := f.pool.Query(context.Background(), `SELECT c.id::text, count(o.id) FROM notification_channels c
LEFT JOIN notification_outbox o ON o.channel_id = c.id GROUP BY c.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		if (n == 1) != want[id] || n > 1 {
			t.Errorf("channel %s got %d events; want it %v", id, n, want[id])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestChannelSettingsAreChecked: bad settings are refused with the field
// named; a patch changes what it names and keeps the rest; a deleted
// channel is gone.
func TestChannelSettingsAreChecked(t *testing.T) {
	f := newFixture(t)
	svc := f.service(notify.Config{})
	ctx := context.Background()
	bad := []struct {
		in    notify.Input
		field string
	}{
		{notify.Input{Name: "", Target: "ntfy://ntfy.sh/x"}, "name"},
		{notify.Input{Name: "x", Target: "irc://irc.example.org/x"}, "url"},
		{notify.Input{Name: "x", Target: "mailto:not-an-address"}, "url"},
		{notify.Input{Name: "x", Target: "ntfy://ntfy.sh/x", Routing: notify.Routing{Severities: []string{"loud"}}}, "routing.severities"},
		{notify.Input{Name: "x", Target: "ntfy://ntfy.sh/x", Routing: notify.Routing{Sources: []string{"cron"}}}, "routing.sources"},
		{notify.Input{Name: "x", Target: "ntfy://ntfy.sh/x", Quiet: notify.QuietHours{Start: "25:00", End: "07:00"}}, "quiet_hours.start"},
		{notify.Input{Name: "x", Target: "ntfy://ntfy.sh/x", Quiet: notify.QuietHours{Start: "22:00", End: "07:00", TimeZone: "Mars/Base"}}, "quiet_hours.time_zone"},
		{notify.Input{Name: "x", Target: "ntfy://ntfy.sh/x", GroupWindow: 2 * time.Hour}, "group_window_s"},
	}
	for _, b := range bad {
		_, err := svc.Create(ctx, f.tenant, b.in, &f.owner, f.event("notification_channel_created"))
		var fe notify.FieldErrors
		if !errors.As(err, &fe) || fe[0].Field != b.field {
			t.Errorf("%+v: %v; want a refusal of %s", b.in, err, b.field)
		}
	}
	c := f.channel(t, svc, notify.Input{Name: "ops", Target: "ntfy://ntfy.sh/ops", Routing: notify.Routing{Tags: []string{"db"}}})
	name, target := "ops-night", "gotify://gotify.example.org/Aabcdefghijklmn"
	up, err := svc.Update(ctx, f.tenant, c.ID, notify.Patch{Name: &name, Target: &target}, f.event("notification_channel_updated"))
	if err != nil || up.Name != name || up.Kind != "gotify" || up.Shown != "gotify://gotify.example.org" || len(up.Routing.Tags) != 1 {
		t.Fatalf("update: %+v %v", up, err)
	}
	if err := svc.Delete(ctx, f.tenant, c.ID, f.event("notification_channel_deleted")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Channel(ctx, f.tenant, c.ID); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("deleted channel: %v", err)
	}
	if err := svc.Delete(ctx, f.tenant, c.ID, f.event("notification_channel_deleted")); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}
