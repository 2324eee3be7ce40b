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

// Member is a person in a tenant, with their role there.
type Member struct {
	UserID      uuid.UUID  `db:"user_id"`
	Email       string     `db:"email"`
	Name        string     `db:"name"`
	Role        auth.Role  `db:"role"`
	TOTPEnabled bool       `db:"totp_enabled"`
	JoinedAt    time.Time  `db:"joined_at"`
	DisabledAt  *time.Time `db:"disabled_at"`
}

const listMembersSQL = `SELECT m.user_id, u.email, u.name, m.role, u.totp_enabled_at IS NOT NULL AS totp_enabled,
  m.created_at AS joined_at, u.disabled_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = $1 AND ($2::uuid IS NULL OR m.user_id > $2)
ORDER BY m.user_id LIMIT $3`

// Members lists a tenant's people after the cursor id.
func (s *Store) Members(ctx context.Context, tenantID uuid.UUID, after *uuid.UUID, limit int) ([]Member, error) {
	rows, _ := s.pool.Query(ctx, listMembersSQL, tenantID, after, limit)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[Member])
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return ms, nil
}

// ErrLastOwner: the change would leave the tenant without an owner.
var ErrLastOwner = errors.New("a tenant keeps at least one owner")

// ErrOutranked: the member's role is above the caller's.
var ErrOutranked = errors.New("the member's role is above yours")

const lockMemberSQL = `SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2 FOR UPDATE`

const otherOwnersSQL = `SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'owner' AND user_id <> $2`

const setRoleSQL = `UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2`

const removeMemberSQL = `DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2`

const endTenantSessionsSQL = `UPDATE sessions SET revoked_at = now() WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL`

// SetMemberRole changes a member's role. by is the caller's role: nobody
// changes someone above them, and the last owner stays an owner. ev
// (role_changed) records old and new role.
func (s *Store) SetMemberRole(ctx context.Context, tenantID, userID uuid.UUID, role, by auth.Role, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "user", userID.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		old, err := lockMember(ctx, tx, tenantID, userID, role != auth.RoleOwner, by)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, setRoleSQL, tenantID, userID, role); err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		ev.Details = map[string]any{"from": old, "to": role}
		return nil
	})
}

// RemoveMember takes a person out of a tenant and ends their sessions
// there, under the same rules as SetMemberRole.
func (s *Store) RemoveMember(ctx context.Context, tenantID, userID uuid.UUID, by auth.Role, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "user", userID.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		old, err := lockMember(ctx, tx, tenantID, userID, true, by)
		if err != nil {
			return err
		}
		for _, q := range []string{removeMemberSQL, endTenantSessionsSQL} {
			if _, err := tx.Exec(ctx, q, tenantID, userID); err != nil {
				return fmt.Errorf("remove member: %w", err)
			}
		}
		ev.Details = map[string]any{"role": old}
		return nil
	})
}

// lockMember locks a membership and checks that by may change it and,
// when losesOwner, that another owner remains.
func lockMember(ctx context.Context, tx pgx.Tx, tenantID, userID uuid.UUID, losesOwner bool, by auth.Role) (auth.Role, error) {
	var old auth.Role
	if err := tx.QueryRow(ctx, lockMemberSQL, tenantID, userID).Scan(&old); err != nil {
		return "", fmt.Errorf("lock membership: %w", mapErr(err))
	}
	if !by.AtLeast(old) {
		return "", ErrOutranked
	}
	if old == auth.RoleOwner && losesOwner {
		var others int
		if err := tx.QueryRow(ctx, otherOwnersSQL, tenantID, userID).Scan(&others); err != nil {
			return "", fmt.Errorf("count owners: %w", err)
		}
		if others == 0 {
			return "", ErrLastOwner
		}
	}
	return old, nil
}

// TenantMembership is one tenant a user belongs to.
type TenantMembership struct {
	Tenant
	Role auth.Role `db:"role"`
}

const userTenantsSQL = `SELECT t.id, t.name, t.slug, t.created_at, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
WHERE m.user_id = $1 ORDER BY t.name, t.id LIMIT 500`

// UserTenants lists the tenants a user belongs to.
func (s *Store) UserTenants(ctx context.Context, userID uuid.UUID) ([]TenantMembership, error) {
	rows, _ := s.pool.Query(ctx, userTenantsSQL, userID)
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByName[TenantMembership])
	if err != nil {
		return nil, fmt.Errorf("list user tenants: %w", err)
	}
	return ts, nil
}
