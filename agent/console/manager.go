package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/creack/pty"

	"github.com/monsys/monsys/wire"
)

// Modes of --console.
const (
	ModeOff       = "off"
	ModeEmergency = "emergency"
	ModeOn        = "on"
)

// Config is the host's console policy.
type Config struct {
	Mode        string        // off, emergency or on
	User        string        // the account the shell runs as
	Idle        time.Duration // no input or output for this long ends a session
	Max         time.Duration // no session lasts longer, whatever the hub asks
	MaxSessions int           // open sessions at once
}

// Manager opens and ends the agent's console sessions.
type Manager struct {
	cfg     Config
	hubURL  string
	agentID string
	token   func() string
	log     *slog.Logger
	grants  *Grants
	client  *http.Client

	mu       sync.Mutex
	sessions map[string]*session
	wg       sync.WaitGroup
}

// NewManager returns a manager for the agent; token is read on each dial.
// grants holds the verified emergency grants (emergency mode).
func NewManager(cfg Config, hubURL, agentID string, token func() string, grants *Grants, log *slog.Logger) *Manager {
	return &Manager{cfg: cfg, hubURL: strings.TrimRight(hubURL, "/"), agentID: agentID, token: token, grants: grants,
		log: log.With("component", "console"), client: &http.Client{Timeout: 30 * time.Second}, sessions: map[string]*session{}}
}

// Errors of Open.
var (
	ErrDisabled = errors.New("consoles are off on this host (--console=off)")
	ErrNoGrant  = errors.New("this host accepts a console only inside an emergency grant, and none is valid now (--console=emergency)")
	ErrTooMany  = errors.New("this host has its maximum of open consoles")
)

// Open checks the host's policy, dials the hub's console socket for the
// session and starts the shell; the session then runs on its own until it
// ends. ctx bounds the session's life (the agent's run).
func (m *Manager) Open(ctx context.Context, o wire.ConsoleOpen) error {
	switch m.cfg.Mode {
	case ModeOn:
	case ModeEmergency:
		if !m.grants.Active(time.Now()) {
			return ErrNoGrant
		}
	default:
		return ErrDisabled
	}
	if o.SessionID == "" || o.Ticket == "" || !wire.ValidSize(o.Cols, o.Rows) {
		return errors.New("console_open needs session_id, ticket and a size of 1 to 1000 columns and rows")
	}
	m.mu.Lock()
	if len(m.sessions) >= m.cfg.MaxSessions {
		m.mu.Unlock()
		return ErrTooMany
	}
	if _, dup := m.sessions[o.SessionID]; dup {
		m.mu.Unlock()
		return fmt.Errorf("session %s is already open", o.SessionID)
	}
	s := &session{id: o.SessionID, log: m.log, idle: m.cfg.Idle, max: m.cfg.Max,
		stopCh: make(chan string, 1), activity: make(chan struct{}, 1)}
	m.sessions[o.SessionID] = s
	m.mu.Unlock()
	if err := m.start(ctx, s, o); err != nil {
		m.forget(s.id)
		return err
	}
	m.log.Info("console opened", "session_id", o.SessionID, "by", o.User, "reason", o.Reason, "user", m.cfg.User)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer m.forget(s.id)
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		s.run(sctx)
	}()
	return nil
}

func (m *Manager) start(ctx context.Context, s *session, o wire.ConsoleOpen) error {
	if o.MaxSeconds > 0 && time.Duration(o.MaxSeconds)*time.Second < s.max {
		s.max = time.Duration(o.MaxSeconds) * time.Second
	}
	acct, err := lookupAccount(m.cfg.User)
	if err != nil {
		return err
	}
	u := m.hubURL + "/api/v1/ws/agents/" + m.agentID + "/console/" + o.SessionID
	u = "ws" + strings.TrimPrefix(u, "http") // http→ws, https→wss
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPClient: m.client, HTTPHeader: http.Header{
		"Authorization": {"Bearer " + m.token()}, wire.ConsoleTicketHeader: {o.Ticket}}})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("dial the hub's console socket: hub answered %d", resp.StatusCode)
		}
		return fmt.Errorf("dial the hub's console socket: %w", err)
	}
	conn.SetReadLimit(maxInputFrame)
	cmd := acct.command()
	attrs := cmd.SysProcAttr
	ptmx, err := pty.StartWithAttrs(cmd, &pty.Winsize{Cols: uint16(o.Cols), Rows: uint16(o.Rows)}, attrs)
	if err != nil {
		_ = conn.Close(websocket.StatusInternalError, "the shell did not start")
		return fmt.Errorf("start %s as %s: %w", acct.shell, acct.name, err)
	}
	s.conn, s.ptmx, s.cmd = conn, ptmx, cmd
	return nil
}

func (m *Manager) forget(id string) {
	m.mu.Lock()
	delete(m.sessions, id)
	m.mu.Unlock()
}

// Close ends a session (the hub's terminate); false when it is not open.
func (m *Manager) Close(id, reason string) bool {
	m.mu.Lock()
	s, ok := m.sessions[id]
	m.mu.Unlock()
	if ok {
		s.stop(reason)
	}
	return ok
}

// Wait returns once every session has ended (after the agent's context).
func (m *Manager) Wait() { m.wg.Wait() }
