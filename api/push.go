package api

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/relay"
	"github.com/monsys/monsys/wire"
)

// Push channel timings: the hub pings every pushPing; a connection that
// sends nothing for pushIdle (three missed pongs) is closed.
const (
	pushPing  = 30 * time.Second
	pushIdle  = 100 * time.Second
	pushWrite = 10 * time.Second
)

const localPushAgent = "push_agent"

// agentSocket upgrades the agent's own push WebSocket (the route's access
// is ownAgent); a plain GET answers 426.
func (s *Server) agentSocket(c *fiber.Ctx) error {
	id := principalOf(c).Agent.ID
	if !websocket.IsWebSocketUpgrade(c) {
		return newProblem(fiber.StatusUpgradeRequired, "upgrade-required",
			"this route is a WebSocket: send Connection: Upgrade and Upgrade: websocket")
	}
	if !s.relay.IsConnected(id) && s.relay.Connected() >= s.cfg.MaxPushConns {
		p := newProblem(fiber.StatusServiceUnavailable, "push-full", "the hub holds its maximum of push connections; retry later")
		p.RetryAfter = 60
		return p
	}
	c.Locals(localPushAgent, id)
	return s.pushUpgrade(c)
}

// servePush runs one push connection: this goroutine reads, a second one
// writes the session's queue and the keep-alive pings.
func (s *Server) servePush(conn *websocket.Conn) {
	id, _ := conn.Locals(localPushAgent).(uuid.UUID)
	sess, err := s.relay.Attach(id)
	if err != nil {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, err.Error()),
			time.Now().Add(pushWrite)) // the agent reconnects later either way
		return
	}
	log := s.log.With("agent_id", id.String())
	log.Debug("push channel open")
	if s.console != nil {
		go s.console.ResendGrants(context.Background(), id) // an agent keeps grants in memory only
	}
	s.metrics.pushConns.Inc()
	defer s.metrics.pushConns.Dec()
	conn.SetReadLimit(wire.MaxPushMessage)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		s.pushWriter(conn, sess)
	}()
	defer func() {
		s.relay.Detach(sess)
		<-writerDone
	}()
	for {
		_ = conn.SetReadDeadline(time.Now().Add(pushIdle)) // a failed deadline shows as a read error next
		_, data, err := conn.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				log.Debug("push channel closed", "err", err)
			}
			return
		}
		var msg wire.PushMessage
		if err := json.Unmarshal(data, &msg); err != nil || msg.Type == "" {
			log.Debug("push message ignored: not JSON with a type", "bytes", len(data))
			continue
		}
		if msg.Type == wire.PushPing {
			// The writer owns the connection: answer through the queue.
			if err := s.relay.Push(id, wire.PushMessage{Type: wire.PushPong, ID: msg.ID}); err != nil && !errors.Is(err, relay.ErrBusy) {
				return
			}
			continue
		}
		sess.Deliver(msg)
	}
}

// pushWriter is the connection's only writer.
func (s *Server) pushWriter(conn *websocket.Conn, sess *relay.Session) {
	ping := time.NewTicker(pushPing)
	defer ping.Stop()
	n := 0
	write := func(m wire.PushMessage) bool {
		b, err := json.Marshal(m)
		if err != nil {
			return true // a message that cannot be encoded is skipped
		}
		_ = conn.SetWriteDeadline(time.Now().Add(pushWrite)) // a failed deadline shows as a write error
		return conn.WriteMessage(websocket.TextMessage, b) == nil
	}
	for {
		select {
		case <-sess.Done():
			_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "hub closing"),
				time.Now().Add(pushWrite)) // best effort goodbye
			_ = conn.Close() // unblocks the reader
			return
		case m := <-sess.Out():
			if !write(m) {
				sess.Close()
				_ = conn.Close() // unblocks the reader
				return
			}
		case <-ping.C:
			n++
			if !write(wire.PushMessage{Type: wire.PushPing, ID: "hub-" + strconv.Itoa(n)}) {
				sess.Close()
				_ = conn.Close() // unblocks the reader
				return
			}
		}
	}
}
