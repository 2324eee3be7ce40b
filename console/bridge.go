package console

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/wire"
)

// Conn is an upgraded WebSocket as the api hands it over (the gorilla-style
// API of fasthttp/websocket); only the bridge's writer goroutine writes.
type Conn interface {
	ReadMessage() (messageType int, p []byte, err error)
	WriteMessage(messageType int, data []byte) error
	SetReadLimit(limit int64)
	SetWriteDeadline(t time.Time) error
	Close() error
}

// WebSocket message types (RFC 6455 opcodes, as gorilla numbers them).
const (
	TextMessage   = 1
	BinaryMessage = 2
)

// Bounds of one session's bridge.
const (
	queueFrames   = 64               // frames waiting for each side
	maxFrame      = 64 << 10         // the largest frame either side may send
	writeTimeout  = 10 * time.Second // a side that takes longer to take a frame is gone
	flushInterval = time.Second      // recording chunks are written at least this often
	exitWait      = 10 * time.Second // how long a close waits for the agent's exit report
)

type frame struct {
	typ  int
	data []byte
}

// bridge joins one session's browser and agent sockets.
type bridge struct {
	s   *Service
	ses Session
	rec *recorder

	toAgent   chan frame
	toBrowser chan frame
	done      chan struct{} // closed once the end is decided
	finished  chan struct{} // closed once the end is stored

	mu              sync.Mutex
	agentAttached   bool
	browserAttached bool
	closing         *ending // a close asked of the agent: how to end when its exit arrives
	result          ending
	ended           bool
}

func newBridge(s *Service, ses Session) *bridge {
	b := &bridge{s: s, ses: ses, toAgent: make(chan frame, queueFrames), toBrowser: make(chan frame, queueFrames),
		done: make(chan struct{}), finished: make(chan struct{})}
	b.rec = newRecorder(s.now(), s.now, func(ctx context.Context, seq int, data []byte, search string) error {
		return s.writeChunk(ctx, ses.TenantID, ses.ID, seq, data, search)
	})
	return b
}

// end decides how the session ended; the first decision wins.
func (b *bridge) end(state, reason string, exitStatus *int, by *uuid.UUID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return
	}
	b.ended = true
	b.result = ending{state: state, reason: reason, exitStatus: exitStatus, by: by}
	close(b.done)
}

// askClose asks the agent to end the shell; the session ends as e once
// the agent reports the exit, or as e without a status after exitWait.
func (b *bridge) askClose(e ending) {
	b.mu.Lock()
	if b.ended || b.closing != nil {
		b.mu.Unlock()
		return
	}
	b.closing = &e
	b.mu.Unlock()
	msg, _ := json.Marshal(wire.ConsoleControl{Type: wire.ConsoleCloseShell, Reason: e.reason})
	select {
	case b.toAgent <- frame{typ: TextMessage, data: msg}:
	default: // the queue is full: the timeout below ends the session
	}
	go func() {
		select {
		case <-b.done:
		case <-time.After(exitWait):
			b.end(e.state, e.reason+" (the agent did not report the exit)", nil, e.by)
		}
	}()
}

func (b *bridge) terminate(by uuid.UUID) {
	b.askClose(ending{state: StateTerminated, reason: "terminated by an admin", by: &by})
}

// agentExited ends the session with the agent's exit report.
func (b *bridge) agentExited(status *int, reason string) {
	b.mu.Lock()
	c := b.closing
	b.mu.Unlock()
	if c != nil {
		b.end(c.state, c.reason, status, c.by)
		return
	}
	b.end(StateEnded, reason, status, nil)
}

// run flushes the recording every second, fails the session when nobody
// connects in time, and stores the end.
func (b *bridge) run() {
	defer close(b.finished)
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	expire := time.NewTimer(time.Until(b.ses.ExpiresAt))
	defer expire.Stop()
	ctx := context.Background()
loop:
	for {
		select {
		case <-b.done:
			break loop
		case <-tick.C:
			if err := b.rec.flush(ctx); err != nil {
				b.end(StateFailed, "recording failed, session closed: "+err.Error(), nil, nil)
			}
		case <-expire.C:
			b.mu.Lock()
			missing := !b.agentAttached || !b.browserAttached
			b.mu.Unlock()
			if missing {
				b.end(StateFailed, "the browser or the agent did not connect in time", nil, nil)
			}
		}
	}
	sum, in, out, err := b.rec.finish(ctx)
	b.mu.Lock()
	e := b.result
	b.mu.Unlock()
	if err != nil && e.state != StateFailed {
		e.state, e.reason = StateFailed, "recording failed, session closed: "+err.Error()
	}
	e.sum, e.in, e.out = sum, in, out
	if err := b.s.finishSession(ctx, b.ses, e); err != nil {
		b.s.log.Error("console session end not stored", "session_id", b.ses.ID, "err", err)
	}
	b.s.forget(b)
	b.s.log.Info("console session ended", "session_id", b.ses.ID, "state", e.state, "reason", e.reason, "bytes_in", in, "bytes_out", out)
}

// attach marks one side connected; false when it already was.
func (b *bridge) attach(agent bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := &b.browserAttached
	if agent {
		p = &b.agentAttached
	}
	if *p || b.ended {
		return false
	}
	*p = true
	return true
}

// serveAgent reads the agent's output and exit; a second goroutine writes
// input and resizes to it.
func (b *bridge) serveAgent(conn Conn) {
	if !b.attach(true) {
		_ = conn.Close()
		return
	}
	if err := b.s.markActive(context.Background(), b.ses.ID); err != nil {
		b.end(StateFailed, "the session could not be marked active: "+err.Error(), nil, nil)
	}
	conn.SetReadLimit(maxFrame)
	go b.writer(conn, b.toAgent, nil)
	ctx := context.Background()
	for {
		typ, data, err := conn.ReadMessage()
		if err != nil {
			b.end(StateFailed, "the agent disconnected before reporting the exit", nil, nil)
			return
		}
		if typ == BinaryMessage {
			if err := b.rec.output(ctx, data); err != nil {
				b.end(StateFailed, "recording failed, session closed: "+err.Error(), nil, nil)
				return
			}
			select {
			case b.toBrowser <- frame{typ: BinaryMessage, data: data}: // blocks while the browser is slow: backpressure
			case <-b.done:
				return
			}
			continue
		}
		var c wire.ConsoleControl
		if json.Unmarshal(data, &c) == nil && c.Type == wire.ConsoleExit {
			b.agentExited(c.ExitStatus, c.Reason)
			return
		}
	}
}

// serveBrowser reads input and resizes; a second goroutine writes output
// and, last, the ended message.
func (b *bridge) serveBrowser(conn Conn) {
	if !b.attach(false) {
		_ = conn.Close()
		return
	}
	conn.SetReadLimit(maxFrame)
	go b.writer(conn, b.toBrowser, b.endedMessage)
	ctx := context.Background()
	for {
		typ, data, err := conn.ReadMessage()
		if err != nil {
			b.askClose(ending{state: StateEnded, reason: "the browser disconnected"})
			return
		}
		if typ == BinaryMessage {
			if err := b.rec.input(ctx, data); err != nil {
				b.end(StateFailed, "recording failed, session closed: "+err.Error(), nil, nil)
				return
			}
		} else {
			var c wire.ConsoleControl
			if json.Unmarshal(data, &c) != nil || c.Type != wire.ConsoleResize || !wire.ValidSize(c.Cols, c.Rows) {
				continue // only resizes are taken from the browser
			}
			if err := b.rec.resize(ctx, c.Cols, c.Rows); err != nil {
				b.end(StateFailed, "recording failed, session closed: "+err.Error(), nil, nil)
				return
			}
			data, _ = json.Marshal(wire.ConsoleControl{Type: wire.ConsoleResize, Cols: c.Cols, Rows: c.Rows})
		}
		select {
		case b.toAgent <- frame{typ: typ, data: data}: // blocks while the agent is slow: backpressure
		case <-b.done:
			return
		}
	}
}

// writer is a socket's only writer: it drains q until the session ends,
// then writes last() if given and closes the socket.
func (b *bridge) writer(conn Conn, q <-chan frame, last func() []byte) {
	defer func() { _ = conn.Close() }() // unblocks the reader
	for {
		select {
		case f := <-q:
			_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout)) // a failed deadline shows as a write error
			if err := conn.WriteMessage(f.typ, f.data); err != nil {
				b.end(StateFailed, "a side stopped taking data: "+err.Error(), nil, nil)
				return
			}
		case <-b.done:
			if last != nil {
				// Output already queued is sent before the end.
				for drained := false; !drained; {
					select {
					case f := <-q:
						_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
						if conn.WriteMessage(f.typ, f.data) != nil {
							return
						}
					default:
						drained = true
					}
				}
				// The end is stored before the browser hears of it, so what
				// it reads next from the API agrees.
				select {
				case <-b.finished:
				case <-time.After(writeTimeout):
				}
				_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
				_ = conn.WriteMessage(TextMessage, last()) // best effort: the session's row says the same
			}
			return
		}
	}
}

// endedMessage tells the browser how the session ended.
func (b *bridge) endedMessage() []byte {
	b.mu.Lock()
	e := b.result
	b.mu.Unlock()
	msg, _ := json.Marshal(wire.ConsoleControl{Type: wire.ConsoleEnded, State: e.state, Reason: e.reason, ExitStatus: e.exitStatus})
	return msg
}
