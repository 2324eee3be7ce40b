package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp/totp"
)

// TestConsoleEmergencyGrant runs the real agent in its default mode
// (--console=emergency): it refuses a console without a grant, accepts one
// inside a grant, and refuses again once the grant is revoked. Inside the
// grant, an admin's terminate kills the shell's whole process group, and
// the agent dying mid-session fails the session but keeps its recording.
func TestConsoleEmergencyGrant(t *testing.T) {
	fx := startConsoleFixture(t, "--console-user", "root")
	s, h, a, state, agentID := fx.site, fx.hub, fx.agent, fx.state, fx.agentID
	var st struct {
		HubKey string `json:"hub_key"`
	}
	if b, err := os.ReadFile(filepath.Join(state, "state.json")); err != nil || json.Unmarshal(b, &st) != nil || st.HubKey == "" {
		t.Fatalf("the agent pinned no hub key: %s %v", b, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db, err := pgx.Connect(ctx, s.connString("monsys"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.WithoutCancel(ctx))

	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	var setup struct{ Secret string }
	c.call(t, http.MethodPost, "/api/v1/auth/totp/setup", "", nil, http.StatusOK, &setup)
	// code is a current TOTP code; the test forgets the used step so that
	// it needs no new 30 s step for each call (the hub refuses reuse).
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
	startPath := "/api/v1/agents/" + agentID + "/console/start"
	startBody := func() map[string]any {
		return map[string]any{"reason": "kernel oops", "code": code(), "cols": 80, "rows": 24}
	}

	waitUntil(t, "the agent's push channel", func() bool {
		st, _, b := c.do(t, http.MethodPost, startPath, "", startBody())
		if st == http.StatusConflict && strings.Contains(string(b), "emergency grant") {
			return true // the agent itself refused: no grant
		}
		if st != http.StatusConflict || !strings.Contains(string(b), "not connected") {
			t.Fatalf("console start without a grant = %d %s", st, b)
		}
		return false
	})

	var grant struct {
		ID        string `json:"id"`
		Delivered bool   `json:"delivered"`
	}
	c.call(t, http.MethodPost, "/api/v1/agents/"+agentID+"/emergency", "", map[string]any{"reason": "kernel oops", "minutes": 10, "code": code()},
		http.StatusCreated, &grant)
	if !grant.Delivered {
		t.Fatalf("grant not delivered: %+v", grant)
	}

	// Inside the grant: a console opens; terminate kills its process group.
	ws, sessionID := openConsole(t, ctx, c, h, startPath, startBody())
	out := readConsoleUntil(t, ctx, ws, regexp.MustCompile(`PID=(\d+)\b`), "sleep 1000 & echo PID=$!\n")
	pid := regexp.MustCompile(`PID=(\d+)\b`).FindStringSubmatch(out)[1]
	if _, err := os.Stat("/proc/" + pid); err != nil {
		t.Fatalf("the shell's child %s is not running: %v", pid, err)
	}
	c.call(t, http.MethodDelete, "/api/v1/console/sessions/"+sessionID, "", nil, http.StatusAccepted, nil)
	ended := readEnded(t, ctx, ws)
	if ended["state"] != "terminated" {
		t.Errorf("after terminate: %v", ended)
	}
	waitUntil(t, "the child sleep 1000 gone", func() bool {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		return err != nil || strings.Contains(string(b), ") Z ") // gone, or a zombie awaiting its reaper
	})
	var ses map[string]any
	c.call(t, http.MethodGet, "/api/v1/console/sessions/"+sessionID, "", nil, http.StatusOK, &ses)
	if ses["state"] != "terminated" || ses["terminated_by"] == nil {
		t.Errorf("terminated session = %v", ses)
	}

	// Revoked: the agent refuses again.
	c.call(t, http.MethodDelete, "/api/v1/agents/"+agentID+"/emergency/"+grant.ID, "", nil, http.StatusNoContent, nil)
	if st, _, b := c.do(t, http.MethodPost, startPath, "", startBody()); st != http.StatusConflict || !strings.Contains(string(b), "emergency grant") {
		t.Errorf("start after revocation = %d %s; want 409 from the agent", st, b)
	}

	// A new grant; the agent dies mid-session: failed, recording kept.
	c.call(t, http.MethodPost, "/api/v1/agents/"+agentID+"/emergency", "", map[string]any{"reason": "again", "minutes": 10, "code": code()},
		http.StatusCreated, &grant)
	ws, sessionID = openConsole(t, ctx, c, h, startPath, startBody())
	readConsoleUntil(t, ctx, ws, regexp.MustCompile(`MARK-41`), "echo MARK-$((40+1))\n")
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	ended = readEnded(t, ctx, ws)
	if ended["state"] != "failed" || !strings.Contains(ended["reason"].(string), "agent disconnected") {
		t.Errorf("after the agent died: %v", ended)
	}
	waitUntil(t, "the failed session stored", func() bool {
		c.call(t, http.MethodGet, "/api/v1/console/sessions/"+sessionID, "", nil, http.StatusOK, &ses)
		return ses["state"] == "failed" && ses["recording_sha256"] != ""
	})
	_, _, rec := c.do(t, http.MethodGet, "/api/v1/console/sessions/"+sessionID+"/recording", "", nil)
	if !strings.Contains(string(rec), "MARK-41") {
		t.Errorf("the failed session's recording lost its output:\n%s", rec)
	}
	var audit struct {
		Items []struct {
			Type string `json:"event_type"`
		} `json:"items"`
	}
	c.call(t, http.MethodGet, "/api/v1/audit-log?limit=100", "", nil, http.StatusOK, &audit)
	seen := map[string]bool{}
	for _, r := range audit.Items {
		seen[r.Type] = true
	}
	for _, want := range []string{"emergency_grant_created", "emergency_grant_revoked", "console_session_terminated_by_admin", "console_session_ended"} {
		if !seen[want] {
			t.Errorf("no %s in the audit log", want)
		}
	}
}

// openConsole starts a console and connects to it as the browser does.
func openConsole(t *testing.T, ctx context.Context, c *client, h *hub, path string, body any) (*websocket.Conn, string) {
	t.Helper()
	var started struct {
		SessionID string `json:"session_id"`
		WSURL     string `json:"ws_url"`
	}
	c.call(t, http.MethodPost, path, "", body, http.StatusCreated, &started)
	u, err := url.Parse(started.WSURL)
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.url, "http")+u.Path+"?"+u.RawQuery, nil)
	if err != nil {
		t.Fatalf("dial the console: %v", err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() }) // the session may have closed it already
	return ws, started.SessionID
}

// readConsoleUntil types input and reads output until want matches.
func readConsoleUntil(t *testing.T, ctx context.Context, ws *websocket.Conn, want *regexp.Regexp, input string) string {
	t.Helper()
	if err := ws.Write(ctx, websocket.MessageBinary, []byte(input)); err != nil {
		t.Fatal(err)
	}
	var shown strings.Builder
	for !want.MatchString(shown.String()) {
		typ, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v; shown:\n%s", want, err, shown.String())
		}
		if typ == websocket.MessageBinary {
			shown.Write(b)
		}
	}
	return shown.String()
}

// readEnded reads until the hub's ended message.
func readEnded(t *testing.T, ctx context.Context, ws *websocket.Conn) map[string]any {
	t.Helper()
	for {
		typ, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("no ended message: %v", err)
		}
		var m map[string]any
		if typ == websocket.MessageText && json.Unmarshal(b, &m) == nil && m["type"] == "ended" {
			return m
		}
	}
}
