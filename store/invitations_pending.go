package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

// pendingInvitation: not accepted and not expired.
const pendingInvitation = `accepted_at IS NULL AND expires_at > now()`

const pendingInvitationsSQL = `SELECT ` + invitationColumns + ` FROM invitations
WHERE tenant_id = $1 AND ` + pendingInvitation + ` AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`

// PendingInvitations lists the tenant's invitations that can still be
// accepted, oldest first.
func (s *Store) PendingInvitations(ctx context.Context, tenantID uuid.UUID, after *uuid.UUID, limit int) ([]Invitation, error) {
	rows, _ := s.pool.Query(ctx, pendingInvitationsSQL, tenantID, after, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Invitation])
	if err != nil {
		return nil, fmt.Errorf("list pending invitations: %w", err)
	}
	return out, nil
}

const revokeInvitationSQL = `DELETE FROM invitations WHERE tenant_id = $1 AND id = $2 AND ` + pendingInvitation + `
RETURNING email, role`

// RevokeInvitation deletes a pending invitation, so its link stops
// working, and records ev (invitation_revoked) with whom it invited.
// ErrNotFound: no such pending invitation in the tenant (accepted,
// expired, revoked already, or another tenant's).
func (s *Store) RevokeInvitation(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "invitation", id.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		var email, role string
		if err := tx.QueryRow(ctx, revokeInvitationSQL, tenantID, id).Scan(&email, &role); err != nil {
			return fmt.Errorf("revoke invitation: %w", mapErr(err))
		}
		ev.Details = map[string]any{"email": email, "role": role}
		return nil
	})
}
