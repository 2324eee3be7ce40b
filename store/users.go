package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
)

// User is a person who signs in to the dashboard or API.
type User struct {
	ID           uuid.UUID  `db:"id"`
	Email        string     `db:"email"`
	Name         string     `db:"name"`
	PasswordHash string     `db:"password_hash"`
	DisabledAt   *time.Time `db:"disabled_at"`
	CreatedAt    time.Time  `db:"created_at"`
	// TOTPEnabledAt is set while the user signs in with a second factor.
	TOTPEnabledAt *time.Time `db:"totp_enabled_at"`
	// LockedUntil is the end of a lock caused by failed logins.
	LockedUntil *time.Time `db:"locked_until"`
}

// Membership is a user's role in one tenant.
type Membership struct {
	TenantID uuid.UUID `db:"tenant_id"`
	UserID   uuid.UUID `db:"user_id"`
	Role     auth.Role `db:"role"`
}

const userColumns = `u.id, u.email, u.name, u.password_hash, u.disabled_at, u.created_at, u.totp_enabled_at, u.locked_until`

const userByEmailSQL = `SELECT ` + userColumns + ` FROM users u WHERE lower(u.email) = lower($1)`

// UserByEmail finds a user by email, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	rows, _ := s.pool.Query(ctx, userByEmailSQL, email)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, fmt.Errorf("get user by email: %w", mapErr(err))
	}
	return u, nil
}

const userByIDSQL = `SELECT ` + userColumns + ` FROM users u WHERE u.id = $1`

// User returns one user.
func (s *Store) User(ctx context.Context, id uuid.UUID) (User, error) {
	rows, _ := s.pool.Query(ctx, userByIDSQL, id)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, fmt.Errorf("get user: %w", mapErr(err))
	}
	return u, nil
}

const insertUserSQL = `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)
RETURNING id, email, name, password_hash, disabled_at, created_at, totp_enabled_at, locked_until`

const insertMembershipSQL = `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`

// CreateUser adds a user with a role in tenantID. passwordHash is an
// argon2id PHC string from auth.HashPassword.
func (s *Store) CreateUser(ctx context.Context, tenantID uuid.UUID, email, name, passwordHash string, role auth.Role) (User, error) {
	var u User
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = createUser(ctx, tx, tenantID, email, name, passwordHash, role)
		return err
	})
	return u, err
}

func createUser(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, email, name, passwordHash string, role auth.Role) (User, error) {
	rows, _ := tx.Query(ctx, insertUserSQL, newID(), email, name, passwordHash)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, fmt.Errorf("insert user: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, insertMembershipSQL, tenantID, u.ID, role); err != nil {
		return User{}, fmt.Errorf("insert membership: %w", mapErr(err))
	}
	return u, nil
}

const membershipSQL = `SELECT tenant_id, user_id, role FROM memberships WHERE tenant_id = $1 AND user_id = $2`

// Membership returns the user's role in a tenant, or ErrNotFound.
func (s *Store) Membership(ctx context.Context, tenantID, userID uuid.UUID) (Membership, error) {
	rows, _ := s.pool.Query(ctx, membershipSQL, tenantID, userID)
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Membership])
	if err != nil {
		return Membership{}, fmt.Errorf("get membership: %w", mapErr(err))
	}
	return m, nil
}

// defaultMembershipSQL picks the tenant a login lands in: the oldest
// membership.
const defaultMembershipSQL = `SELECT tenant_id, user_id, role FROM memberships
WHERE user_id = $1 ORDER BY created_at, tenant_id LIMIT 1`

// DefaultMembership returns the membership a fresh login starts in.
func (s *Store) DefaultMembership(ctx context.Context, userID uuid.UUID) (Membership, error) {
	rows, _ := s.pool.Query(ctx, defaultMembershipSQL, userID)
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Membership])
	if err != nil {
		return Membership{}, fmt.Errorf("get default membership: %w", mapErr(err))
	}
	return m, nil
}

const setPasswordSQL = `UPDATE users u SET password_hash = $2, password_changed_at = now(), updated_at = now(),
  failed_logins = 0, locked_until = NULL
WHERE lower(u.email) = lower($1) RETURNING u.id, ` + auditTenantSQL

const revokeUserSessionsSQL = `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`

// SetPassword replaces a user's password (the operator's way back in,
// `monsys user set-password`), ends all their sessions and lifts a login
// lock, and records password_set_by_operator.
func (s *Store) SetPassword(ctx context.Context, email, passwordHash string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var id uuid.UUID
		var tenant string
		if err := tx.QueryRow(ctx, setPasswordSQL, email, passwordHash).Scan(&id, &tenant); err != nil {
			return fmt.Errorf("set password: %w", mapErr(err))
		}
		if _, err := tx.Exec(ctx, revokeUserSessionsSQL, id); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		if tenant == "" {
			return nil
		}
		return recordTx(ctx, tx, &audit.Event{TenantID: tenant, ActorType: audit.ActorSystem, Type: "password_set_by_operator",
			TargetType: "user", TargetID: id.String()})
	})
}
