package relay

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/wire"
)

// TestRegistryBounds: the registry refuses a connection past its maximum,
// a second connection of an agent replaces the first, a full queue fails
// fast, and Request returns the reply with its id.
func TestRegistryBounds(t *testing.T) {
	r := New(2)
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	sa, err := r.Attach(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Attach(b); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Attach(c); !errors.Is(err, ErrFull) {
		t.Fatalf("third agent on a registry of 2: %v, want ErrFull", err)
	}
	sa2, err := r.Attach(a)
	if err != nil {
		t.Fatalf("reconnect of a connected agent at the maximum: %v", err)
	}
	select {
	case <-sa.Done():
	default:
		t.Errorf("the replaced session is still open")
	}
	r.Detach(sa) // a late detach of the old session must not remove the new one
	if !r.IsConnected(a) || r.Connected() != 2 {
		t.Fatalf("connected %d, agent a %v; want 2 and true", r.Connected(), r.IsConnected(a))
	}

	for i := range queueLen {
		if err := r.Push(a, wire.PushMessage{Type: wire.PushPing, ID: string(rune('a' + i))}); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	if err := r.Push(a, wire.PushMessage{Type: wire.PushPing, ID: "over"}); !errors.Is(err, ErrBusy) {
		t.Errorf("push to a full queue: %v, want ErrBusy", err)
	}
	for range queueLen {
		<-sa2.Out()
	}

	go func() {
		m := <-sa2.Out()
		sa2.Deliver(wire.PushMessage{Type: wire.PushAck, ID: m.ID})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	reply, err := r.Request(ctx, a, wire.PushMessage{Type: wire.PushConfigUpdate, ID: "req-1"})
	if err != nil || reply.ID != "req-1" || reply.Type != wire.PushAck {
		t.Errorf("request: %+v, %v", reply, err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	if _, err := r.Request(short, a, wire.PushMessage{Type: wire.PushConfigUpdate, ID: "req-2"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unanswered request: %v, want the context's deadline", err)
	}
	r.CloseAll()
	if r.Connected() != 0 {
		t.Errorf("%d connected after CloseAll", r.Connected())
	}
	if err := r.Push(b, wire.PushMessage{Type: wire.PushPing, ID: "x"}); !errors.Is(err, ErrNotConnected) {
		t.Errorf("push after CloseAll: %v, want ErrNotConnected", err)
	}
}
