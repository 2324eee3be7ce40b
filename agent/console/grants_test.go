package console

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/monsys/monsys/wire"
)

// TestGrantsOnlyTrustThePinnedKey: a grant counts only when signed by the
// pinned hub key, for this agent, inside its window and not revoked.
func TestGrantsOnlyTrustThePinnedKey(t *testing.T) {
	pub, hub, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	grant := func(id, agent string, from, to time.Time) wire.EmergencyGrant {
		return wire.EmergencyGrant{GrantID: id, AgentID: agent, NotBefore: from.Unix(), NotAfter: to.Unix(), Reason: "r"}
	}
	g := NewGrants("agent-1", pub)
	if g.Active(now) {
		t.Fatal("active with no grant")
	}
	if err := g.Add(wire.SignGrant(other, grant("g0", "agent-1", now, now.Add(time.Hour))), now); err == nil || g.Active(now) {
		t.Error("a grant signed by another key was kept")
	}
	if err := g.Add(wire.SignGrant(hub, grant("g1", "agent-2", now, now.Add(time.Hour))), now); err == nil || g.Active(now) {
		t.Error("a grant for another agent was kept")
	}
	forged := wire.SignGrant(hub, grant("g2", "agent-1", now, now.Add(time.Minute)))
	forged.Grant.NotAfter = now.Add(24 * time.Hour).Unix() // stretched after signing
	if err := g.Add(forged, now); err == nil || g.Active(now.Add(time.Hour)) {
		t.Error("a grant stretched after signing was kept")
	}
	if err := g.Add(wire.SignGrant(hub, grant("g3", "agent-1", now, now.Add(10*time.Minute))), now); err != nil {
		t.Fatalf("a good grant was refused: %v", err)
	}
	if !g.Active(now) || !g.Active(now.Add(10*time.Minute-time.Second)) {
		t.Error("not active inside the grant")
	}
	if g.Active(now.Add(10 * time.Minute)) {
		t.Error("active after the grant expired")
	}
	for _, id := range []string{"g4", "g6"} {
		if err := g.Add(wire.SignGrant(hub, grant(id, "agent-1", now, now.Add(time.Hour))), now); err != nil {
			t.Fatal(err)
		}
	}
	g.Revoke("g4")
	if !g.Active(now.Add(time.Minute)) {
		t.Error("revoking one grant ended another")
	}
	g.Revoke("g6")
	if g.Active(now.Add(time.Minute)) {
		t.Error("active under revoked grants")
	}
	if NewGrants("agent-1", nil).Add(wire.SignGrant(hub, grant("g5", "agent-1", now, now.Add(time.Hour))), now) == nil {
		t.Error("a grant was kept with no pinned key")
	}
}
