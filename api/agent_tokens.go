package api

import (
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

// agentTokens caches agent-token lookups so ingest does not query the
// database per batch. An entry lives agentTokenTTL; this hub forgets an
// agent at once when it rotates the agent's token or key or deletes it.
// Another hub of a cluster may accept a revoked token for up to the TTL.
type agentTokens struct {
	mu      sync.RWMutex
	entries map[auth.TokenHash]agentTokenEntry
	now     func() time.Time
}

type agentTokenEntry struct {
	agent   store.Agent
	expires time.Time
}

const (
	agentTokenTTL     = 10 * time.Second
	agentTokenMaxSize = 200_000
)

func newAgentTokens() *agentTokens {
	return &agentTokens{entries: make(map[auth.TokenHash]agentTokenEntry), now: time.Now}
}

func (t *agentTokens) get(h auth.TokenHash) (store.Agent, bool) {
	t.mu.RLock()
	e, ok := t.entries[h]
	t.mu.RUnlock()
	if !ok || t.now().After(e.expires) {
		return store.Agent{}, false
	}
	return e.agent, true
}

func (t *agentTokens) put(h auth.TokenHash, a store.Agent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries) >= agentTokenMaxSize {
		now := t.now()
		for k, e := range t.entries {
			if now.After(e.expires) {
				delete(t.entries, k)
			}
		}
		if len(t.entries) >= agentTokenMaxSize {
			clear(t.entries) // all live: start over rather than grow
		}
	}
	t.entries[h] = agentTokenEntry{agent: a, expires: t.now().Add(agentTokenTTL)}
}

// forget drops every cached token of an agent.
func (t *agentTokens) forget(agentID uuid.UUID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, e := range t.entries {
		if e.agent.ID == agentID {
			delete(t.entries, k)
		}
	}
}
