package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp/totp"
)

// TestConsoleEndToEnd runs the real hub and the real agent with
// --console=on: a Go WebSocket client starts a console, computes 6*7 in
// the shell, resizes it, exits; the recording replays the bytes and its
// hash is in the audit log; tampering with a chunk is found by verify.
func TestConsoleEndToEnd(t *testing.T) {
	fx := startConsoleFixture(t, "--console", "on", "--console-user", "root")
	s, h, agentID := fx.site, fx.hub, fx.agentID

	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	start := map[string]any{"reason": "disk full on /var", "cols": 80, "rows": 24}
	// No TOTP yet: refused with a problem saying to set it up.
	status, _, body := c.do(t, http.MethodPost, "/api/v1/agents/"+agentID+"/console/start", "", start)
	if status != http.StatusForbidden || !strings.Contains(string(body), "TOTP") {
		t.Fatalf("start without TOTP = %d %s; want 403 saying to set TOTP up", status, body)
	}
	var setup struct{ Secret string }
	c.call(t, http.MethodPost, "/api/v1/auth/totp/setup", "", nil, http.StatusOK, &setup)
	now := time.Now()
	code := func(at time.Time) string {
		s, err := totp.GenerateCode(setup.Secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	c.call(t, http.MethodPost, "/api/v1/auth/totp/verify", "", map[string]string{"code": code(now)}, http.StatusOK, nil)

	// The agent's push channel must be up before a console can open.
	var started struct {
		SessionID string `json:"session_id"`
		WSURL     string `json:"ws_url"`
	}
	start["code"] = code(now.Add(30 * time.Second))
	waitUntil(t, "the agent's push channel", func() bool {
		st, _, b := c.do(t, http.MethodPost, "/api/v1/agents/"+agentID+"/console/start", "", start)
		if st == http.StatusCreated {
			return json.Unmarshal(b, &started) == nil
		}
		if st != http.StatusConflict || !strings.Contains(string(b), "not connected") {
			t.Fatalf("console start = %d %s", st, b)
		}
		return false
	})
	// The same code again is refused.
	if st, _, b := c.do(t, http.MethodPost, "/api/v1/agents/"+agentID+"/console/start", "", start); st != http.StatusUnauthorized {
		t.Errorf("reused code = %d %s; want 401", st, b)
	}

	u, err := url.Parse(started.WSURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.url, "http")+u.Path+"?"+u.RawQuery, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", started.WSURL, err)
	}
	defer ws.CloseNow()
	var shown strings.Builder
	var ended map[string]any
	readUntil := func(what string) {
		t.Helper()
		for !strings.Contains(shown.String(), what) {
			typ, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for %q: %v; shown so far:\n%s", what, err, shown.String())
			}
			if typ == websocket.MessageBinary {
				shown.Write(b)
			} else if json.Unmarshal(b, &ended) == nil && ended["type"] == "ended" {
				t.Fatalf("session ended (%v) while waiting for %q; shown:\n%s", ended, what, shown.String())
			}
		}
	}
	send := func(s string) {
		if err := ws.Write(ctx, websocket.MessageBinary, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	send("echo $((6*7))X\n")
	readUntil("42X")
	_ = ws.Write(ctx, websocket.MessageText, []byte(`{"type":"resize","cols":101,"rows":33}`))
	send("stty size\n")
	readUntil("33 101")
	send("exit 3\n")
	for ended == nil {
		typ, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("no ended message: %v; shown:\n%s", err, shown.String())
		}
		if typ == websocket.MessageBinary {
			shown.Write(b)
		} else if err := json.Unmarshal(b, &ended); err != nil || ended["type"] != "ended" {
			ended = nil
		}
	}
	if ended["state"] != "ended" || ended["exit_status"] != float64(3) {
		t.Errorf("ended = %v; want state ended, exit_status 3", ended)
	}

	var ses map[string]any
	waitUntil(t, "the session's end stored", func() bool {
		c.call(t, http.MethodGet, "/api/v1/console/sessions/"+started.SessionID, "", nil, http.StatusOK, &ses)
		return ses["recording_sha256"] != ""
	})
	if ses["state"] != "ended" || ses["exit_status"] != float64(3) || ses["bytes_out"].(float64) < float64(len("42")) {
		t.Errorf("session = %v", ses)
	}
	status, hdr, rec := c.do(t, http.MethodGet, "/api/v1/console/sessions/"+started.SessionID+"/recording", "", nil)
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/x-asciicast" {
		t.Fatalf("recording = %d %s", status, hdr.Get("Content-Type"))
	}
	var replayed strings.Builder
	lines := strings.Split(strings.TrimSpace(string(rec)), "\n")
	var resized bool
	for _, line := range lines[1:] {
		var ev []any
		if err := json.Unmarshal([]byte(line), &ev); err != nil || len(ev) != 3 {
			t.Fatalf("recording line %q: %v", line, err)
		}
		switch ev[1] {
		case "o":
			replayed.WriteString(ev[2].(string))
		case "r":
			resized = resized || ev[2] == "101x33"
		}
	}
	if replayed.String() != shown.String() {
		t.Errorf("the recording's output differs from what the browser was shown:\nrecorded %q\nshown    %q", replayed.String(), shown.String())
	}
	if !resized {
		t.Error("the recording has no resize to 101x33")
	}
	var verify struct {
		OK       bool   `json:"ok"`
		Computed string `json:"computed_sha256"`
	}
	c.call(t, http.MethodGet, "/api/v1/console/sessions/"+started.SessionID+"/recording?verify=1", "", nil, http.StatusOK, &verify)
	if !verify.OK || verify.Computed != ses["recording_sha256"] {
		t.Errorf("verify = %+v, session hash %v", verify, ses["recording_sha256"])
	}
	var auditPage struct {
		Items []struct {
			Type    string         `json:"event_type"`
			Details map[string]any `json:"details"`
		} `json:"items"`
	}
	c.call(t, http.MethodGet, "/api/v1/audit-log?limit=50", "", nil, http.StatusOK, &auditPage)
	seen := map[string]bool{}
	for _, r := range auditPage.Items {
		seen[r.Type] = true
		if r.Type == "console_session_ended" && r.Details["recording_sha256"] != verify.Computed {
			t.Errorf("console_session_ended holds %v, want %s", r.Details["recording_sha256"], verify.Computed)
		}
	}
	if !seen["console_session_started"] || !seen["console_session_ended"] {
		t.Errorf("audit events %v; want console_session_started and _ended", seen)
	}
	var hits struct{ Items []map[string]any }
	c.call(t, http.MethodGet, "/api/v1/console/search?q=6*7", "", nil, http.StatusOK, &hits)
	if len(hits.Items) != 1 {
		t.Errorf("search for what was typed found %d sessions", len(hits.Items))
	}

	// Tampering with a stored chunk is found.
	db, err := pgx.Connect(ctx, s.connString("monsys"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	if _, err := db.Exec(ctx, `UPDATE console_chunks SET data = data || '[0.1, "o", "x"]'::bytea || E'\n'::bytea WHERE session_id = $1 AND seq = 0`, started.SessionID); err != nil {
		t.Fatal(err)
	}
	c.call(t, http.MethodGet, "/api/v1/console/sessions/"+started.SessionID+"/recording?verify=1", "", nil, http.StatusOK, &verify)
	if verify.OK {
		t.Error("verify passed a tampered recording")
	}

	// A chunk that cannot be written ends the session (fail closed).
	for _, q := range []string{
		`CREATE FUNCTION refuse_chunk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`,
		`CREATE TRIGGER refuse_chunk BEFORE INSERT ON console_chunks FOR EACH ROW EXECUTE FUNCTION refuse_chunk()`,
		`UPDATE users SET totp_last_step = NULL`, // the test's next code may fall in a used step
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	start["code"] = code(time.Now())
	ws2, id2 := openConsole(t, ctx, c, h, "/api/v1/agents/"+agentID+"/console/start", start)
	_ = ws2.Write(ctx, websocket.MessageBinary, []byte("echo unrecorded\n"))
	ended = readEnded(t, ctx, ws2)
	if ended["state"] != "failed" || !strings.Contains(fmt.Sprint(ended["reason"]), "recording failed") {
		t.Errorf("with chunk writes failing the session ended %v; want failed saying the recording failed", ended)
	}
	waitUntil(t, "the failed session stored", func() bool {
		c.call(t, http.MethodGet, "/api/v1/console/sessions/"+id2, "", nil, http.StatusOK, &ses)
		return ses["state"] == "failed"
	})
}
