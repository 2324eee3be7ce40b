package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/wire"
)

// Grant is an emergency grant as stored.
type Grant struct {
	ID        uuid.UUID  `json:"id"`
	AgentID   uuid.UUID  `json:"agent_id"`
	CreatedBy uuid.UUID  `json:"created_by"`
	Reason    string     `json:"reason"`
	NotBefore time.Time  `json:"not_before"`
	NotAfter  time.Time  `json:"not_after"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	RevokedBy *uuid.UUID `json:"revoked_by"`
	// Delivered says whether the agent verified and kept the grant.
	Delivered bool   `json:"delivered"`
	Refusal   string `json:"refusal,omitempty"` // why the agent did not
}

const grantCols = `id, agent_id, created_by, reason, not_before, not_after, created_at, revoked_at, revoked_by`

func scanGrant(row pgx.CollectableRow) (Grant, error) {
	var g Grant
	err := row.Scan(&g.ID, &g.AgentID, &g.CreatedBy, &g.Reason, &g.NotBefore, &g.NotAfter, &g.CreatedAt, &g.RevokedAt, &g.RevokedBy)
	return g, err
}

// CreateGrant stores a grant of minutes for the agent (audited
// emergency_grant_created with ev's actor) and pushes it signed to the
// agent, reporting whether the agent kept it.
func (s *Service) CreateGrant(ctx context.Context, tenantID, agentID, by uuid.UUID, byEmail, reason string, minutes int, ev audit.Event) (Grant, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Grant{}, err
	}
	now := s.now().Truncate(time.Second)
	g := Grant{ID: id, AgentID: agentID, CreatedBy: by, Reason: reason, NotBefore: now, NotAfter: now.Add(time.Duration(minutes) * time.Minute), CreatedAt: now}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return Grant{}, err
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit this is a no-op
	if _, err := tx.Exec(ctx, `INSERT INTO emergency_grants (id, tenant_id, agent_id, created_by, reason, not_before, not_after)
		VALUES ($1,$2,$3,$4,$5,$6,$7)`, g.ID, tenantID, agentID, by, reason, g.NotBefore, g.NotAfter); err != nil {
		return Grant{}, fmt.Errorf("insert emergency grant: %w", err)
	}
	ev.Type, ev.TargetType, ev.TargetID = "emergency_grant_created", "emergency_grant", id.String()
	ev.Details = map[string]any{"agent_id": agentID.String(), "reason": reason, "minutes": minutes, "not_after": g.NotAfter.UTC().Format(time.RFC3339)}
	if err := audit.Record(ctx, tx, ev); err != nil {
		return Grant{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Grant{}, err
	}
	g.Delivered, g.Refusal = s.pushGrant(ctx, agentID, g, byEmail)
	return g, nil
}

// pushGrant sends a signed grant to the agent and waits for its answer.
func (s *Service) pushGrant(ctx context.Context, agentID uuid.UUID, g Grant, byEmail string) (bool, string) {
	sg := s.keys.Sign(wire.EmergencyGrant{GrantID: g.ID.String(), AgentID: agentID.String(), NotBefore: g.NotBefore.Unix(),
		NotAfter: g.NotAfter.Unix(), Reason: g.Reason, By: byEmail})
	data, _ := json.Marshal(sg)
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	reply, err := s.relay.Request(rctx, agentID, wire.PushMessage{Type: wire.PushEmergencyGrant, ID: "grant-" + g.ID.String(), Data: data})
	if err != nil {
		return false, "the agent is not connected to this hub; the grant is sent when it connects: " + err.Error()
	}
	if reply.Type == wire.PushError {
		return false, reply.Error
	}
	return true, ""
}

// ResendGrants pushes the agent's live grants again (after it connects:
// an agent keeps grants in memory only).
func (s *Service) ResendGrants(ctx context.Context, agentID uuid.UUID) {
	rows, _ := s.pool.Query(ctx, `SELECT `+grantCols+` FROM emergency_grants WHERE agent_id = $1 AND revoked_at IS NULL AND not_after > now()`, agentID)
	gs, err := pgx.CollectRows(rows, scanGrant)
	if err != nil {
		s.log.Warn("emergency grants not resent", "agent_id", agentID, "err", err)
		return
	}
	for _, g := range gs {
		if ok, why := s.pushGrant(ctx, agentID, g, ""); !ok {
			s.log.Warn("emergency grant not delivered", "agent_id", agentID, "grant_id", g.ID, "why", why)
		}
	}
}

// RevokeGrant revokes a live grant (audited emergency_grant_revoked) and
// tells the agent to forget it.
func (s *Service) RevokeGrant(ctx context.Context, tenantID, agentID, grantID, by uuid.UUID, ev audit.Event) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit this is a no-op
	tag, err := tx.Exec(ctx, `UPDATE emergency_grants SET revoked_at = now(), revoked_by = $4
		WHERE tenant_id = $1 AND agent_id = $2 AND id = $3 AND revoked_at IS NULL`, tenantID, agentID, grantID, by)
	if err != nil {
		return fmt.Errorf("revoke emergency grant: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	ev.Type, ev.TargetType, ev.TargetID = "emergency_grant_revoked", "emergency_grant", grantID.String()
	ev.Details = map[string]any{"agent_id": agentID.String()}
	if err := audit.Record(ctx, tx, ev); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	data, _ := json.Marshal(wire.GrantRevoke{GrantID: grantID.String()})
	if err := s.relay.Push(agentID, wire.PushMessage{Type: wire.PushEmergencyRevoke, ID: "revoke-" + grantID.String(), Data: data}); err != nil {
		s.log.Info("grant revocation not pushed; the agent forgets it on reconnect", "grant_id", grantID, "err", err)
	}
	return nil
}

// Grants lists an agent's grants, newest first.
func (s *Service) Grants(ctx context.Context, tenantID, agentID uuid.UUID) ([]Grant, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+grantCols+` FROM emergency_grants WHERE tenant_id = $1 AND agent_id = $2
		ORDER BY created_at DESC LIMIT 100`, tenantID, agentID)
	gs, err := pgx.CollectRows(rows, scanGrant)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return gs, err
}
