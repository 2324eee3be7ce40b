package console

import (
	"crypto/ed25519"
	"sync"
	"time"

	"github.com/monsys/monsys/wire"
)

// Grants holds the emergency grants this agent verified with the hub key
// it pinned; nothing else makes Active true.
type Grants struct {
	agentID string

	mu     sync.Mutex
	hubKey ed25519.PublicKey
	grants map[string]wire.EmergencyGrant
}

// NewGrants returns an empty set for agentID verified with hubKey (nil:
// no key pinned yet, every grant is refused).
func NewGrants(agentID string, hubKey ed25519.PublicKey) *Grants {
	return &Grants{agentID: agentID, hubKey: hubKey, grants: map[string]wire.EmergencyGrant{}}
}

// Add verifies sg and keeps it until it expires or is revoked.
func (g *Grants) Add(sg wire.SignedGrant, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := wire.VerifyGrant(g.hubKey, g.agentID, sg); err != nil {
		return err
	}
	g.prune(now)
	if sg.Grant.NotAfter > now.Unix() {
		g.grants[sg.Grant.GrantID] = sg.Grant
	}
	return nil
}

// Revoke forgets a grant.
func (g *Grants) Revoke(id string) {
	g.mu.Lock()
	delete(g.grants, id)
	g.mu.Unlock()
}

// Active reports whether a kept grant covers now.
func (g *Grants) Active(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.prune(now)
	t := now.Unix()
	for _, gr := range g.grants {
		if gr.NotBefore <= t && t < gr.NotAfter {
			return true
		}
	}
	return false
}

func (g *Grants) prune(now time.Time) {
	for id, gr := range g.grants {
		if gr.NotAfter <= now.Unix() {
			delete(g.grants, id)
		}
	}
}
