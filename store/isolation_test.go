package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// TestOtherTenantsIDsAreNotFound holds one tenant's ids against another
// tenant's methods: every call answers ErrNotFound and nothing changes.
func TestOtherTenantsIDsAreNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	victim, intruder := f.tenant(t, "victim"), f.tenant(t, "intruder")

	et := f.enrollment(t, victim.Tenant.ID, 0)
	reg := registration(t, et, "m-victim", newPubkey(t))
	agent := mustRegister(t, f.st, reg).Agent
	_, keyHash := newToken(t, auth.KindAPIKey)
	key, err := f.st.CreateAPIKey(ctx, store.NewAPIKey{TenantID: victim.Tenant.ID, CreatedBy: victim.Owner.ID,
		Name: "ci", Role: auth.RoleAdmin, TokenHash: keyHash})
	if err != nil {
		t.Fatal(err)
	}
	_, etHash := newToken(t, auth.KindEnrollment)
	liveET, err := f.st.CreateEnrollmentToken(ctx, store.NewEnrollmentToken{TenantID: victim.Tenant.ID, Name: "live", TokenHash: etHash})
	if err != nil {
		t.Fatal(err)
	}

	other := intruder.Tenant.ID
	for name, call := range map[string]func() error{
		"Agent":       func() error { _, err := f.st.Agent(ctx, other, agent.ID); return err },
		"DeleteAgent": func() error { return f.st.DeleteAgent(ctx, other, agent.ID, audit.Event{}) },
		"Heartbeat": func() error {
			return f.st.Heartbeat(ctx, other, agent.ID, wire.Heartbeat{UptimeS: 1, AgentVersion: "x"}, nil)
		},
		"RevokeAPIKey":          func() error { return f.st.RevokeAPIKey(ctx, other, key.ID, nil, audit.Event{}) },
		"RevokeEnrollmentToken": func() error { return f.st.RevokeEnrollmentToken(ctx, other, liveET.ID, audit.Event{}) },
	} {
		if err := call(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s with another tenant's id: err = %v, want ErrNotFound", name, err)
		}
	}

	// Nothing changed: the agent is live with its token, unseen; the key
	// and the enrollment token still work.
	got, err := f.st.Agent(ctx, victim.Tenant.ID, agent.ID)
	if err != nil || got.LastSeenAt != nil || got.AgentVersion != "1.0.0" {
		t.Errorf("victim's agent after the calls: %+v, %v", got, err)
	}
	if _, err := f.st.AgentByToken(ctx, reg.NewTokenHash); err != nil {
		t.Errorf("victim's agent token: %v", err)
	}
	if _, err := f.st.UseAPIKey(ctx, keyHash); err != nil {
		t.Errorf("victim's API key: %v", err)
	}
	if _, err := f.st.LiveEnrollmentToken(ctx, etHash); err != nil {
		t.Errorf("victim's enrollment token: %v", err)
	}
	if list, err := f.st.Agents(ctx, other, store.AgentFilter{Limit: 50}); err != nil || len(list) != 0 {
		t.Errorf("intruder's agent list: %d agents, %v; want none", len(list), err)
	}
}
