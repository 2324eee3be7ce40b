package notify

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/monsys/monsys/webhook"
)

// FuzzParseTarget: whatever a person types as a channel URL, parsing
// neither panics nor shows a password or a path (where tokens live).
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"ntfy://u:pw@ntfy.sh/topic", "mailto:a@b.example,c@d.example", "gotify://h/Atoken", "generic+http://[::1]:8/x?y=z",
		"teams://a@b/c/d/e?host=x.webhook.office.com", "slack://hook:a-b-c@webhook", "discord://t@1", "pushover://shoutrrr:t@u/",
		"matrix://u:p@m.example/?rooms=!r", "telegram://1:t@telegram?chats=@c", "ntfy://%zz", "mailto:", "::", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := parseTarget(raw, webhook.Policy{})
		if err != nil {
			return
		}
		shown := tg.shown()
		if i := strings.Index(shown, "://"); tg.kind != "email" && (i < 0 || strings.ContainsAny(shown[i+3:], "/@?")) {
			t.Fatalf("%q shown as %q: more than scheme and host", raw, shown)
		}
		if tg.kind == "email" && strings.Contains(shown, "@") {
			t.Fatalf("%q shown as %q: addresses shown", raw, shown)
		}
	})
}

// TestQuietHoursHolds: same-day and overnight spans, at their edges, in
// the channel's zone.
func TestQuietHoursHolds(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(h, m int) time.Time { return time.Date(2026, 7, 1, h, m, 0, 0, berlin) }
	night := QuietHours{TimeZone: "Europe/Berlin", Start: "22:00", End: "07:00"}
	lunch := QuietHours{TimeZone: "Europe/Berlin", Start: "12:00", End: "13:30"}
	for _, c := range []struct {
		q    QuietHours
		t    time.Time
		want bool
	}{
		{night, at(21, 59), false}, {night, at(22, 0), true}, {night, at(3, 0), true}, {night, at(6, 59), true}, {night, at(7, 0), false},
		{lunch, at(11, 59), false}, {lunch, at(12, 0), true}, {lunch, at(13, 29), true}, {lunch, at(13, 30), false},
		{night, at(23, 0).UTC(), true}, // the zone is the channel's, not the clock's
		{QuietHours{}, at(3, 0), false},
	} {
		if got := c.q.Holds(c.t); got != c.want {
			t.Errorf("%+v at %s: %v, want %v", c.q, c.t.In(berlin).Format("15:04"), got, c.want)
		}
	}
}

// TestRedactRemovesTokens: a library's error quoting the URL loses the
// password, the path token and the query.
func TestRedactRemovesTokens(t *testing.T) {
	tg, err := parseTarget("gotify://gotify.example.org/AsecretToken123?priority=5", webhook.Policy{})
	if err != nil {
		t.Fatal(err)
	}
	msg := tg.redact(`Post "https://gotify.example.org/message?token=AsecretToken123": connection refused`)
	if strings.Contains(msg, "AsecretToken123") || !strings.Contains(msg, "gotify.example.org") {
		t.Errorf("redacted: %q", msg)
	}
	tg, _ = parseTarget("ntfy://bot:pa55word@ntfy.example.org/alerts", webhook.Policy{})
	if msg := tg.redact("auth failed for bot:pa55word at ntfy://bot:pa55word@ntfy.example.org/alerts"); strings.Contains(msg, "pa55word") {
		t.Errorf("redacted: %q", msg)
	}
}

// TestComposeKeepsLinesShortAndTitlesSingle: a summary with line breaks
// and a long tail stays one bounded line, cut on a character.
func TestComposeKeepsLinesShortAndTitlesSingle(t *testing.T) {
	host := "web-1"
	long := strings.Repeat("é", 400)
	m := compose([]event{{State: "firing", Severity: "critical", Key: "disk\nfull", Summary: "line one\r\nline two " + long, Hostname: &host, At: time.Unix(0, 0)}})
	if strings.ContainsAny(m.Title, "\r\n") || !strings.HasPrefix(m.Title, "[monsys] FIRING critical: disk full on web-1") {
		t.Errorf("title %q", m.Title)
	}
	lines := strings.Split(strings.TrimSuffix(m.Body, "\n"), "\n")
	if len(lines) != 1 || len(lines[0]) > maxLineLen+40 || !strings.Contains(lines[0], "line one line two") || !utf8.ValidString(lines[0]) {
		t.Errorf("body %q", m.Body)
	}
}
