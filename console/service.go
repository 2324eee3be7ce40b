package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/relay"
	"github.com/monsys/monsys/wire"
)

// Limits of the service.
type Limits struct {
	PerAgent int           // open sessions on one agent
	PerHub   int           // open sessions on this hub
	Ticket   time.Duration // how long the browser and the agent have to connect
}

// Errors of Start.
var (
	ErrAgentLimit = errors.New("the agent has its maximum of open console sessions")
	ErrHubLimit   = errors.New("this hub has its maximum of open console sessions")
)

// RefusedError: the agent refused to open the console (its policy).
type RefusedError struct{ Why string }

func (e *RefusedError) Error() string { return "the agent refused the console: " + e.Why }

// Service runs console sessions; see the package comment.
type Service struct {
	pool   *pgxpool.Pool
	relay  *relay.Registry
	log    *slog.Logger
	limits Limits
	now    func() time.Time
	keys   *HubKey

	mu   sync.Mutex
	live map[uuid.UUID]*bridge
}

// New returns the service. key signs emergency grants.
func New(pool *pgxpool.Pool, r *relay.Registry, key *HubKey, limits Limits, log *slog.Logger) *Service {
	if limits.PerAgent <= 0 {
		limits.PerAgent = 4
	}
	if limits.PerHub <= 0 {
		limits.PerHub = 200
	}
	if limits.Ticket <= 0 {
		limits.Ticket = 60 * time.Second
	}
	return &Service{pool: pool, relay: r, keys: key, limits: limits, log: log.With("component", "console"), now: time.Now,
		live: map[uuid.UUID]*bridge{}}
}

// StartRequest is what a person asks for; the api checked who they are.
type StartRequest struct {
	TenantID, AgentID, UserID uuid.UUID
	UserEmail                 string
	Reason                    string
	Cols, Rows                int
	MaxMinutes                int
	Audit                     audit.Event // console_session_started, with actor and IP filled in
}

// Started answers Start: the session and the browser's one-time ticket.
type Started struct {
	Session Session
	Ticket  string
}

// Start records a pending session, asks the agent to open it and waits
// for the agent's answer.
func (s *Service) Start(ctx context.Context, r StartRequest) (Started, error) {
	if !s.relay.IsConnected(r.AgentID) {
		return Started{}, relay.ErrNotConnected
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Started{}, err
	}
	now := s.now()
	ses := Session{ID: id, TenantID: r.TenantID, AgentID: r.AgentID, UserID: r.UserID, Reason: r.Reason, State: StatePending,
		Cols: r.Cols, Rows: r.Rows, MaxSeconds: r.MaxMinutes * 60, CreatedAt: now, ExpiresAt: now.Add(s.limits.Ticket)}
	b := newBridge(s, ses)
	if err := s.admit(b); err != nil {
		return Started{}, err
	}
	browserTicket, agentTicket := newTicket(), newTicket()
	r.Audit.Type, r.Audit.TargetType, r.Audit.TargetID = "console_session_started", "console_session", id.String()
	r.Audit.Details = map[string]any{"agent_id": r.AgentID.String(), "reason": r.Reason, "cols": r.Cols, "rows": r.Rows,
		"max_minutes": r.MaxMinutes}
	if err := s.insertSession(ctx, ses, ticketHash(browserTicket), ticketHash(agentTicket), r.Audit); err != nil {
		s.forget(b)
		return Started{}, err
	}
	go b.run()
	open, _ := json.Marshal(wire.ConsoleOpen{SessionID: id.String(), Ticket: agentTicket, Cols: r.Cols, Rows: r.Rows,
		MaxSeconds: r.MaxMinutes * 60, Reason: r.Reason, User: r.UserEmail})
	rctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	reply, err := s.relay.Request(rctx, r.AgentID, wire.PushMessage{Type: wire.PushConsoleOpen, ID: "console-" + id.String(), Data: open})
	switch {
	case err != nil:
		b.end(StateFailed, "the agent did not answer the console request: "+err.Error(), nil, nil)
		return Started{}, err
	case reply.Type == wire.PushError:
		b.end(StateFailed, "the agent refused: "+reply.Error, nil, nil)
		return Started{}, &RefusedError{Why: reply.Error}
	}
	return Started{Session: ses, Ticket: browserTicket}, nil
}

// admit registers b unless a limit is reached.
func (s *Service) admit(b *bridge) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.live) >= s.limits.PerHub {
		return ErrHubLimit
	}
	n := 0
	for _, o := range s.live {
		if o.ses.AgentID == b.ses.AgentID {
			n++
		}
	}
	if n >= s.limits.PerAgent {
		return ErrAgentLimit
	}
	s.live[b.ses.ID] = b
	return nil
}

func (s *Service) forget(b *bridge) {
	s.mu.Lock()
	if s.live[b.ses.ID] == b {
		delete(s.live, b.ses.ID)
	}
	s.mu.Unlock()
}

func (s *Service) bridgeOf(id uuid.UUID) *bridge {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live[id]
}

// Open reports how many sessions this hub bridges.
func (s *Service) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// Errors of the socket handlers.
var (
	ErrBadTicket = errors.New("the console ticket is wrong, used or expired")
	ErrNotLive   = errors.New("the session has ended, or another hub bridges it")
)

// AuthorizeBrowser spends the browser ticket, or with an empty ticket
// accepts the session's own user (cookie-authenticated, origin checked by
// the api); it answers the session to serve.
func (s *Service) AuthorizeBrowser(ctx context.Context, id uuid.UUID, ticket string, userID *uuid.UUID, tenantID *uuid.UUID) error {
	b := s.bridgeOf(id)
	if b == nil {
		return ErrNotFound
	}
	if ticket == "" {
		if userID == nil || tenantID == nil || *userID != b.ses.UserID || *tenantID != b.ses.TenantID {
			return ErrNotFound
		}
		return nil
	}
	ok, err := s.takeTicket(ctx, id, "browser", ticketHash(ticket))
	if err != nil {
		return err
	}
	if !ok {
		return ErrBadTicket
	}
	return nil
}

// AuthorizeAgent spends the agent's ticket for the session.
func (s *Service) AuthorizeAgent(ctx context.Context, agentID, id uuid.UUID, ticket string) error {
	b := s.bridgeOf(id)
	if b == nil || b.ses.AgentID != agentID {
		return ErrNotFound
	}
	ok, err := s.takeTicket(ctx, id, "agent", ticketHash(ticket))
	if err != nil {
		return err
	}
	if !ok {
		return ErrBadTicket
	}
	return nil
}

// ServeBrowser bridges an upgraded browser socket until the session ends.
func (s *Service) ServeBrowser(id uuid.UUID, conn Conn) {
	if b := s.bridgeOf(id); b != nil {
		b.serveBrowser(conn)
		return
	}
	_ = conn.Close()
}

// ServeAgent bridges the agent's upgraded console socket.
func (s *Service) ServeAgent(id uuid.UUID, conn Conn) {
	if b := s.bridgeOf(id); b != nil {
		b.serveAgent(conn)
		return
	}
	_ = conn.Close()
}

// Terminate ends a live session for an admin (state terminated, audited
// console_session_terminated_by_admin); a session this hub does not
// bridge answers ErrNotFound.
func (s *Service) Terminate(ctx context.Context, tenantID, id uuid.UUID, by uuid.UUID, ev audit.Event) error {
	b := s.bridgeOf(id)
	if b == nil || b.ses.TenantID != tenantID {
		if _, err := s.Get(ctx, tenantID, id); err != nil {
			return err
		}
		return ErrNotLive
	}
	ev.Type, ev.TargetType, ev.TargetID = "console_session_terminated_by_admin", "console_session", id.String()
	ev.Details = map[string]any{"agent_id": b.ses.AgentID.String()}
	if err := audit.Record(ctx, s.pool, ev); err != nil {
		return err
	}
	closeMsg, _ := json.Marshal(wire.ConsoleClose{SessionID: id.String(), Reason: "terminated by an admin"})
	_ = s.relay.Push(b.ses.AgentID, wire.PushMessage{Type: wire.PushConsoleClose, ID: "close-" + id.String(), Data: closeMsg}) // the console socket's close below also ends it
	b.terminate(by)
	return nil
}

// Verify recomputes a recording's hash and compares it with the one the
// audit log holds; ok is false on any difference.
func (s *Service) Verify(ctx context.Context, tenantID, id uuid.UUID) (computed, audited string, err error) {
	chunks, err := s.Chunks(ctx, tenantID, id)
	if err != nil {
		return "", "", err
	}
	audited, err = s.auditedHash(ctx, tenantID, id)
	return HashRecording(chunks), audited, err
}

// Close ends every live session (hub shutdown) and waits for them.
func (s *Service) Close() {
	s.mu.Lock()
	bs := make([]*bridge, 0, len(s.live))
	for _, b := range s.live {
		bs = append(bs, b)
	}
	s.mu.Unlock()
	for _, b := range bs {
		b.end(StateFailed, "the hub is shutting down", nil, nil)
		<-b.finished
	}
}

func newTicket() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail on Linux
	return "msc_" + base64.RawURLEncoding.EncodeToString(b[:])
}

func ticketHash(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

// PublicKey is the grant-signing public key agents pin (base64 std).
func (s *Service) PublicKey() string { return s.keys.Public }
