package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/monsys/monsys/agent/push"
	"github.com/monsys/monsys/relay"
	"github.com/monsys/monsys/wire"
)

// TestPushEndToEnd connects the real agent push client to the real hub
// route and pushes through the registry: a config update reaches the
// agent's handler and its ack comes back; ping gets pong; an agent that is
// not connected fails fast; a second connection replaces the first.
func TestPushEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("push")
	ag := e.agent(fx.Tenant.ID, "push-1")
	reg := e.srv.Relay()

	var applied atomic.Int64
	handler := func(_ context.Context, m wire.PushMessage) *wire.PushMessage {
		if m.Type == wire.PushConfigUpdate && m.Config != nil {
			applied.Store(int64(m.Config.IntervalS))
			return &wire.PushMessage{Type: wire.PushAck, ID: m.ID}
		}
		return &wire.PushMessage{Type: wire.PushError, ID: m.ID, Error: "unexpected"}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = push.New(e.base, ag.ID.String(), func() string { return ag.Token }, handler, log).Run(ctx) // returns nil on cancel
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, func() bool { return reg.IsConnected(ag.ID) }, "the agent to connect")

	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	reply, err := reg.Request(rctx, ag.ID, wire.PushMessage{Type: wire.PushConfigUpdate, ID: "cfg-1", Config: &wire.AgentConfig{IntervalS: 30}})
	if err != nil || reply.Type != wire.PushAck || reply.ID != "cfg-1" {
		t.Fatalf("config update: reply %+v, err %v; want ack cfg-1", reply, err)
	}
	if applied.Load() != 30 {
		t.Errorf("the agent's handler saw interval %d, want 30", applied.Load())
	}
	reply, err = reg.Request(rctx, ag.ID, wire.PushMessage{Type: wire.PushPing, ID: "p-1"})
	if err != nil || reply.Type != wire.PushPong || reply.ID != "p-1" {
		t.Fatalf("ping: reply %+v, err %v; want pong p-1", reply, err)
	}
	if err := reg.Push(uuid.New(), wire.PushMessage{Type: wire.PushPing, ID: "x"}); !errors.Is(err, relay.ErrNotConnected) {
		t.Errorf("push to an agent that is not connected: %v, want ErrNotConnected", err)
	}

	// Connections the test holds itself: a second one of the same agent
	// replaces the first, and pushes go to the newest.
	cancel()
	<-done
	waitFor(t, func() bool { return !reg.IsConnected(ag.ID) }, "the agent client to leave")
	dial := func() *websocket.Conn {
		conn, _, err := websocket.Dial(rctx, "ws"+e.base[len("http"):]+"/api/v1/ws/agents/"+ag.ID.String(),
			&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": []string{"Bearer " + ag.Token}}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { _ = conn.CloseNow() }) // closed by the hub already when replaced
		return conn
	}
	older := dial()
	waitFor(t, func() bool { return reg.IsConnected(ag.ID) }, "the first test connection")
	newer := dial()
	if _, _, err := older.Read(rctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("the replaced connection read %v, want a going-away close", err)
	}
	if err := reg.Push(ag.ID, wire.PushMessage{Type: wire.PushConfigUpdate, ID: "cfg-2", Config: &wire.AgentConfig{IntervalS: 5}}); err != nil {
		t.Fatal(err)
	}
	_, data, err := newer.Read(rctx)
	if err != nil || !strings.Contains(string(data), `"cfg-2"`) {
		t.Fatalf("the newest connection read %q, %v; want the cfg-2 message", data, err)
	}
	if reg.Connected() != 1 {
		t.Errorf("registry holds %d connections for one agent, want 1", reg.Connected())
	}
}

// TestPushRefusesOtherAgents checks the upgrade demands the token's own
// agent id and an agent token.
func TestPushRefusesOtherAgents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("push-refuse")
	a, b := e.agent(fx.Tenant.ID, "a"), e.agent(fx.Tenant.ID, "b")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name, id, token string
		want            int
	}{
		{"other agent's id", b.ID.String(), a.Token, http.StatusNotFound},
		{"no token", a.ID.String(), "", http.StatusUnauthorized},
		{"enrollment token", a.ID.String(), func() string { tok, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil); return tok }(), http.StatusUnauthorized},
	} {
		h := http.Header{}
		if tc.token != "" {
			h.Set("Authorization", "Bearer "+tc.token)
		}
		_, resp, err := websocket.Dial(ctx, "ws"+e.base[len("http"):]+"/api/v1/ws/agents/"+tc.id, &websocket.DialOptions{HTTPHeader: h})
		if err == nil || resp == nil || resp.StatusCode != tc.want {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.Errorf("%s: dial err %v, status %d; want %d", tc.name, err, status, tc.want)
		}
	}
	if n := e.srv.Relay().Connected(); n != 0 {
		t.Errorf("%d connections registered after refused upgrades", n)
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
