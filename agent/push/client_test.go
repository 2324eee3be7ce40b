package push

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/monsys/monsys/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestReconnects: the hub drops the first connection; the client dials
// again after its backoff (at least 1 s), answers ping with pong and hands
// other messages to its handler, sending the handler's reply.
func TestReconnects(t *testing.T) {
	var dials atomic.Int32
	var firstAt, secondAt atomic.Int64
	got := make(chan wire.PushMessage, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer msa_tok" || r.URL.Path != "/api/v1/ws/agents/a1" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		if dials.Add(1) == 1 {
			firstAt.Store(time.Now().UnixNano())
			_ = c.Close(websocket.StatusGoingAway, "hub restarting") // the client must come back
			return
		}
		secondAt.Store(time.Now().UnixNano())
		ctx := r.Context()
		for _, m := range []wire.PushMessage{{Type: wire.PushPing, ID: "1"}, {Type: wire.PushConfigUpdate, ID: "2", Config: &wire.AgentConfig{IntervalS: 60}}} {
			b, _ := json.Marshal(m)
			if err := c.Write(ctx, websocket.MessageText, b); err != nil {
				return
			}
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var reply wire.PushMessage
			_ = json.Unmarshal(data, &reply) // an empty reply fails the test below
			got <- reply
		}
		_, _, _ = c.Read(ctx) // hold until the client leaves
	}))
	defer srv.Close()

	handler := func(_ context.Context, m wire.PushMessage) *wire.PushMessage {
		return &wire.PushMessage{Type: wire.PushAck, ID: m.ID}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = New(srv.URL, "a1", func() string { return "msa_tok" }, handler, slog.New(slog.NewTextHandler(io.Discard, nil))).Run(ctx) // nil on cancel
	}()
	for i, want := range []wire.PushMessage{{Type: wire.PushPong, ID: "1"}, {Type: wire.PushAck, ID: "2"}} {
		select {
		case m := <-got:
			if m.Type != want.Type || m.ID != want.ID {
				t.Errorf("reply %d: %+v, want %+v", i, m, want)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("no reply %d after a reconnect", i)
		}
	}
	if gap := time.Duration(secondAt.Load() - firstAt.Load()); gap < time.Second || gap > 3*time.Second {
		t.Errorf("reconnected after %v, want 1 s to 1.5 s of backoff", gap)
	}
	cancel()
	<-done
}
