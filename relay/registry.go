package relay

import (
	"context"
	"errors"
	"sync"

	"github.com/google/uuid"

	"github.com/monsys/monsys/wire"
)

// Errors of Attach, Push and Request.
var (
	ErrNotConnected = errors.New("the agent is not connected to this hub")
	ErrBusy         = errors.New("the agent's push queue is full")
	ErrFull         = errors.New("the hub holds its maximum of push connections")
	ErrClosed       = errors.New("the push connection closed")
)

// queueLen bounds the messages waiting to be written to one agent.
const queueLen = 32

// Registry holds the connected agents; see the package comment.
type Registry struct {
	max int

	mu     sync.Mutex
	agents map[uuid.UUID]*Session
}

// New returns a registry that holds at most maxAgents connections.
func New(maxAgents int) *Registry {
	return &Registry{max: maxAgents, agents: map[uuid.UUID]*Session{}}
}

// Session is one agent's connection. The api package's writer drains Out;
// its reader hands each message from the agent to Deliver.
type Session struct {
	agentID uuid.UUID
	out     chan wire.PushMessage
	done    chan struct{}
	once    sync.Once

	mu      sync.Mutex
	waiting map[string]chan wire.PushMessage // Request ids awaiting a reply
}

// Attach registers a new connection for agentID, closing the agent's
// previous one.
func (r *Registry) Attach(agentID uuid.UUID) (*Session, error) {
	s := &Session{agentID: agentID, out: make(chan wire.PushMessage, queueLen), done: make(chan struct{}),
		waiting: map[string]chan wire.PushMessage{}}
	r.mu.Lock()
	old, replacing := r.agents[agentID]
	if !replacing && len(r.agents) >= r.max {
		r.mu.Unlock()
		return nil, ErrFull
	}
	r.agents[agentID] = s
	r.mu.Unlock()
	if replacing {
		old.Close()
	}
	return s, nil
}

// Detach removes s if it is still the agent's current session, and closes it.
func (r *Registry) Detach(s *Session) {
	r.mu.Lock()
	if r.agents[s.agentID] == s {
		delete(r.agents, s.agentID)
	}
	r.mu.Unlock()
	s.Close()
}

// Connected reports how many agents are connected.
func (r *Registry) Connected() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.agents)
}

// IsConnected reports whether the agent has a push connection here.
func (r *Registry) IsConnected(agentID uuid.UUID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.agents[agentID]
	return ok
}

func (r *Registry) session(agentID uuid.UUID) (*Session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.agents[agentID]
	if !ok {
		return nil, ErrNotConnected
	}
	return s, nil
}

// Push queues msg for the agent without waiting for it to be written.
func (r *Registry) Push(agentID uuid.UUID, msg wire.PushMessage) error {
	s, err := r.session(agentID)
	if err != nil {
		return err
	}
	return s.enqueue(msg)
}

// Request pushes msg and waits until the agent answers with the same id
// or ctx ends. msg.ID must be set and unique among requests in flight.
func (r *Registry) Request(ctx context.Context, agentID uuid.UUID, msg wire.PushMessage) (wire.PushMessage, error) {
	s, err := r.session(agentID)
	if err != nil {
		return wire.PushMessage{}, err
	}
	reply := make(chan wire.PushMessage, 1)
	s.mu.Lock()
	s.waiting[msg.ID] = reply
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting, msg.ID)
		s.mu.Unlock()
	}()
	if err := s.enqueue(msg); err != nil {
		return wire.PushMessage{}, err
	}
	select {
	case m := <-reply:
		return m, nil
	case <-s.done:
		return wire.PushMessage{}, ErrClosed
	case <-ctx.Done():
		return wire.PushMessage{}, ctx.Err()
	}
}

func (s *Session) enqueue(msg wire.PushMessage) error {
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	select {
	case s.out <- msg:
		return nil
	default:
		return ErrBusy
	}
}

// Out is the queue of messages to write to the agent.
func (s *Session) Out() <-chan wire.PushMessage { return s.out }

// Done is closed when the session ends.
func (s *Session) Done() <-chan struct{} { return s.done }

// Close ends the session; the writer sees Done and closes the connection.
func (s *Session) Close() { s.once.Do(func() { close(s.done) }) }

// Deliver hands a message from the agent to the Request waiting for its
// id. It reports false when nobody waits (an unsolicited message).
func (s *Session) Deliver(msg wire.PushMessage) bool {
	s.mu.Lock()
	ch, ok := s.waiting[msg.ID]
	s.mu.Unlock()
	if ok {
		select {
		case ch <- msg:
		default:
		}
	}
	return ok
}

// CloseAll ends every session, for shutdown: the connections' handlers
// return and the HTTP server can stop.
func (r *Registry) CloseAll() {
	r.mu.Lock()
	sessions := make([]*Session, 0, len(r.agents))
	for id, s := range r.agents {
		sessions = append(sessions, s)
		delete(r.agents, id)
	}
	r.mu.Unlock()
	for _, s := range sessions {
		s.Close()
	}
}
