package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/monsys/monsys/wire"
)

// Handler applies one message from the hub and returns the reply to send,
// or nil for none.
type Handler func(ctx context.Context, msg wire.PushMessage) *wire.PushMessage

// Client is the agent end of the push channel.
type Client struct {
	url     string
	token   func() string
	handler Handler
	log     *slog.Logger
	client  *http.Client
}

// New returns a client for agentID at the hub; token is asked for on each
// dial, so a re-registration's new token is used.
func New(hubURL, agentID string, token func() string, handler Handler, log *slog.Logger) *Client {
	u := strings.TrimRight(hubURL, "/") + "/api/v1/ws/agents/" + agentID
	u = "ws" + strings.TrimPrefix(u, "http") // http→ws, https→wss
	return &Client{url: u, token: token, handler: handler, log: log.With("component", "push"), client: &http.Client{Timeout: 30 * time.Second}}
}

// Run keeps the connection until ctx ends.
func (c *Client) Run(ctx context.Context) error {
	attempt := 0
	for {
		started := time.Now()
		err := c.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(started) > time.Minute {
			attempt = 0
		}
		d := backoff(attempt)
		attempt++
		if attempt == 1 || attempt%10 == 0 {
			c.log.Warn("push channel down; reconnecting", "err", err, "attempt", attempt, "retry_in", d.String())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}
}

func backoff(attempt int) time.Duration {
	base := time.Second << min(attempt, 6)
	return min(base+time.Duration(rand.Int64N(int64(base/2)+1)), 60*time.Second)
}

// session dials once and serves messages until the connection ends.
func (c *Client) session(ctx context.Context) error {
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	conn, resp, err := websocket.Dial(dialCtx, c.url, &websocket.DialOptions{
		HTTPClient: c.client,
		HTTPHeader: http.Header{"Authorization": []string{"Bearer " + c.token()}},
	})
	cancel()
	if err != nil {
		if resp != nil {
			return fmt.Errorf("dial %s: hub answered %d: %w", c.url, resp.StatusCode, err)
		}
		return fmt.Errorf("dial %s: %w", c.url, err)
	}
	defer conn.CloseNow() // after a clean Close this is a no-op
	conn.SetReadLimit(wire.MaxPushMessage)
	c.log.Info("push channel connected")
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				_ = conn.Close(websocket.StatusGoingAway, "agent stopping") // best effort goodbye
			}
			return err
		}
		var msg wire.PushMessage
		if err := json.Unmarshal(data, &msg); err != nil || msg.Type == "" {
			reply := wire.PushMessage{Type: wire.PushError, ID: msg.ID, Error: "not a push message: want JSON with type and id"}
			if err := c.write(ctx, conn, reply); err != nil {
				return err
			}
			continue
		}
		var reply *wire.PushMessage
		if msg.Type == wire.PushPing {
			reply = &wire.PushMessage{Type: wire.PushPong, ID: msg.ID}
		} else if c.handler != nil {
			reply = c.handler(ctx, msg)
		}
		if reply != nil {
			if err := c.write(ctx, conn, *reply); err != nil {
				return err
			}
		}
	}
}

func (c *Client) write(ctx context.Context, conn *websocket.Conn, m wire.PushMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return errors.New("encode push reply")
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, b)
}
