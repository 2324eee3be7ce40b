package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
)

// Invitation asks someone, by email, to join a tenant with a role.
type Invitation struct {
	ID         uuid.UUID  `db:"id"`
	TenantID   uuid.UUID  `db:"tenant_id"`
	Email      string     `db:"email"`
	Role       auth.Role  `db:"role"`
	InvitedBy  *uuid.UUID `db:"invited_by"`
	CreatedAt  time.Time  `db:"created_at"`
	ExpiresAt  time.Time  `db:"expires_at"`
	AcceptedAt *time.Time `db:"accepted_at"`
}

const invitationColumns = `id, tenant_id, email, role, invited_by, created_at, expires_at, accepted_at`

// NewInvitation is what Invite needs.
type NewInvitation struct {
	TenantID  uuid.UUID
	Email     string
	Role      auth.Role
	InvitedBy uuid.UUID
	TokenHash auth.TokenHash
	ExpiresAt time.Time
	Mail      Mail        // the message carrying the link, queued with the invitation
	Audit     audit.Event // invitation_sent
}

const insertInvitationSQL = `INSERT INTO invitations (id, tenant_id, email, role, invited_by, token_hash, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ` + invitationColumns

// Invite stores an invitation, queues its mail and records it.
func (s *Store) Invite(ctx context.Context, n NewInvitation) (Invitation, error) {
	var inv Invitation
	err := s.audited(ctx, &n.Audit, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, insertInvitationSQL, newID(), n.TenantID, n.Email, n.Role, n.InvitedBy, n.TokenHash[:], n.ExpiresAt)
		var err error
		if inv, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Invitation]); err != nil {
			return fmt.Errorf("insert invitation: %w", mapErr(err))
		}
		n.Audit.TargetType, n.Audit.TargetID = "invitation", inv.ID.String()
		n.Audit.Details = map[string]any{"email": inv.Email, "role": inv.Role, "expires_at": inv.ExpiresAt}
		return enqueueMail(ctx, tx, n.Mail)
	})
	return inv, err
}

// ErrAlreadyMember: the invited person already belongs to the tenant.
var ErrAlreadyMember = errors.New("already a member of this tenant")

// Acceptance is the outcome of AcceptInvitation.
type Acceptance struct {
	Invitation Invitation
	User       User
	Created    bool // a new account was made
}

const useInvitationSQL = `UPDATE invitations SET accepted_at = now()
WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now() RETURNING ` + invitationColumns

const joinTenantSQL = `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`

const acceptedBySQL = `UPDATE invitations SET accepted_by = $2 WHERE id = $1`

// AcceptInvitation spends an invitation: the account with the invited
// email joins the tenant with the invited role, or, when there is none, a
// new account is made with passwordHash (which must then be set: callers
// check NeedsPassword first). ErrNotFound: unknown, used or expired token;
// ErrAlreadyMember: nothing to join.
func (s *Store) AcceptInvitation(ctx context.Context, hash auth.TokenHash, name, passwordHash string, ev audit.Event) (Acceptance, error) {
	var a Acceptance
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, useInvitationSQL, hash[:])
		var err error
		if a.Invitation, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Invitation]); err != nil {
			return fmt.Errorf("use invitation: %w", mapErr(err))
		}
		inv := a.Invitation
		rows, _ = tx.Query(ctx, userByEmailSQL, inv.Email)
		a.User, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if passwordHash == "" {
				return fmt.Errorf("accept invitation: %w", ErrPasswordNeeded)
			}
			if a.User, err = createUser(ctx, tx, inv.TenantID, inv.Email, name, passwordHash, inv.Role); err != nil {
				return err
			}
			a.Created = true
		case err != nil:
			return fmt.Errorf("find invited account: %w", err)
		default:
			if err := execOne(ctx, tx, ErrAlreadyMember, "add membership", joinTenantSQL, inv.TenantID, a.User.ID, inv.Role); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, acceptedBySQL, inv.ID, a.User.ID); err != nil {
			return fmt.Errorf("mark invitation accepted: %w", err)
		}
		ev.TenantID, ev.ActorID, ev.TargetType, ev.TargetID = inv.TenantID.String(), a.User.ID.String(), "invitation", inv.ID.String()
		ev.Details = map[string]any{"role": inv.Role, "account_created": a.Created}
		return recordTx(ctx, tx, &ev)
	})
	return a, err
}

// ErrPasswordNeeded: accepting this invitation makes an account, which
// needs a password.
var ErrPasswordNeeded = errors.New("a new account needs a password")
