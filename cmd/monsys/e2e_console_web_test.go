package main_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp/totp"
)

// TestConsoleDashboard opens an emergency console from the dashboard in
// headless Chromium against the real hub and agent: reason and
// authenticator code, 6*7 typed into xterm.js, exit; then the sessions
// page plays the recording with asciinema-player and shows it verified.
func TestConsoleDashboard(t *testing.T) {
	fx := startConsoleFixture(t, "--console", "on", "--console-user", "root")
	s, h, agentID := fx.site, fx.hub, fx.agentID
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db, err := pgx.Connect(ctx, s.connString("monsys"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.WithoutCancel(ctx))

	b := newBrowser(t)
	b.theme(t, false, 0)
	b.open(t, h.url+"/login")
	b.fillAndSubmit(t, "#login-form", map[string]string{"email": ownerEmail, "password": ownerPassword})
	b.waitFor(t, "the fleet", `location.pathname === '/' && document.body.dataset.ready === 'true'`)

	// TOTP is set up beside the browser's session, through the API.
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	var setup struct{ Secret string }
	c.call(t, http.MethodPost, "/api/v1/auth/totp/setup", "", nil, http.StatusOK, &setup)
	code := func() string {
		t.Helper()
		if _, err := db.Exec(ctx, `UPDATE users SET totp_last_step = NULL WHERE email = $1`, ownerEmail); err != nil {
			t.Fatal(err)
		}
		s, err := totp.GenerateCode(setup.Secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	c.call(t, http.MethodPost, "/api/v1/auth/totp/verify", "", map[string]string{"code": code()}, http.StatusOK, nil)
	waitUntil(t, "the agent's push channel", func() bool {
		var n int
		_ = db.QueryRow(ctx, `SELECT count(*) FROM agents WHERE id = $1 AND last_seen_at IS NOT NULL`, agentID).Scan(&n) // retried
		return n == 1
	})

	b.open(t, h.url+"/hosts/"+agentID)
	if href := eval[string](t, b, `document.querySelector('#open-console').getAttribute('href')`); href != "/hosts/"+agentID+"/console" {
		t.Errorf("the host page links the console as %q", href)
	}
	b.open(t, h.url+"/hosts/"+agentID+"/console")
	b.screenshot(t, "console-start")
	// The push channel may come up a moment after the first batch.
	for i := 0; ; i++ {
		b.fillAndSubmit(t, "#console-form", map[string]string{"reason": "disk full on /var", "code": code()})
		b.waitFor(t, "an answer", `document.querySelector('#console-form').hidden || !document.querySelector('#console-form .form-error').hidden`)
		if eval[bool](t, b, `document.querySelector('#console-form').hidden`) {
			break
		}
		if msg := b.text(t, "#console-form .form-error"); !strings.Contains(msg, "not connected") || i > 30 {
			b.fatal(t, "open the console", errString(msg))
		}
		b.expectProblems("409")
		time.Sleep(time.Second)
	}
	b.waitFor(t, "the live session", `(document.querySelector('#console-status') || {}).textContent === 'live'`)
	b.typeInTerminal(t, "echo $((6*7))Z")
	b.waitFor(t, "42 in the terminal", `document.querySelector('#terminal .xterm-rows').textContent.includes('42Z')`)
	b.screenshot(t, "console-live")
	b.typeInTerminal(t, "exit")
	b.waitFor(t, "the end", `(document.querySelector('#console-status') || {}).textContent === 'ended'`)
	b.check(t, "console")

	b.open(t, h.url+"/consoles")
	b.waitFor(t, "the session listed", `document.querySelectorAll('#sessions-table tbody tr').length === 1`)
	b.do(t, "play", chromedp.Click(chromedp.CSS(`#sessions-table tbody tr button`)))
	b.waitFor(t, "the player and the verdict", `!!document.querySelector('#player .ap-player') && document.querySelector('#playback-facts').textContent.includes('matches the audit log')`)
	b.screenshot(t, "consoles-playback")
	b.check(t, "consoles")

	eval[bool](t, b, `(() => { const q = document.querySelector('#f-q'); q.value = '6*7'; q.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	b.waitFor(t, "the search", `location.search.includes('q=') && document.querySelectorAll('#sessions-table tbody tr').length === 1`)
	b.check(t, "consoles search")
}

// typeInTerminal types a line into xterm.js as a person would: the text
// as one input (a key event per character makes Chromium send both a
// keypress and an input event), then Enter.
func (b *browser) typeInTerminal(t *testing.T, line string) {
	t.Helper()
	b.do(t, "focus the terminal", chromedp.Focus(chromedp.CSS(".xterm-helper-textarea")))
	if _, err := chromedp.Call(b.ctx, input.InsertText, input.InsertTextParams{Text: line}); err != nil {
		b.fatal(t, "type "+line, err)
	}
	b.do(t, "Enter", chromedp.KeyEvent("\r"))
}

type errString string

func (e errString) Error() string { return string(e) }
