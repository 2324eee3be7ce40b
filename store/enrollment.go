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

// EnrollmentToken lets agents join a tenant. It may expire and may be
// limited to a number of registrations.
type EnrollmentToken struct {
	ID        uuid.UUID  `db:"id"`
	TenantID  uuid.UUID  `db:"tenant_id"`
	Name      string     `db:"name"`
	CreatedBy *uuid.UUID `db:"created_by"`
	CreatedAt time.Time  `db:"created_at"`
	ExpiresAt *time.Time `db:"expires_at"`
	MaxUses   *int32     `db:"max_uses"`
	Uses      int32      `db:"uses"`
	RevokedAt *time.Time `db:"revoked_at"`
}

const enrollmentColumns = `id, tenant_id, name, created_by, created_at, expires_at, max_uses, uses, revoked_at`

// NewEnrollmentToken is what CreateEnrollmentToken needs.
type NewEnrollmentToken struct {
	TenantID  uuid.UUID
	Name      string
	CreatedBy *uuid.UUID
	TokenHash auth.TokenHash
	ExpiresAt *time.Time
	MaxUses   *int32
	Audit     audit.Event // recorded with the token's id as target; no Type: nothing recorded
}

const insertEnrollmentSQL = `INSERT INTO enrollment_tokens (id, tenant_id, name, created_by, token_hash, expires_at, max_uses)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ` + enrollmentColumns

// CreateEnrollmentToken stores a new enrollment token.
func (s *Store) CreateEnrollmentToken(ctx context.Context, n NewEnrollmentToken) (EnrollmentToken, error) {
	var t EnrollmentToken
	err := s.audited(ctx, &n.Audit, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, insertEnrollmentSQL, newID(), n.TenantID, n.Name, n.CreatedBy, n.TokenHash[:], n.ExpiresAt, n.MaxUses)
		var err error
		if t, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[EnrollmentToken]); err != nil {
			return fmt.Errorf("insert enrollment token: %w", mapErr(err))
		}
		n.Audit.TargetType, n.Audit.TargetID = "enrollment_token", t.ID.String()
		n.Audit.Details = map[string]any{"name": t.Name, "expires_at": t.ExpiresAt, "max_uses": t.MaxUses}
		return nil
	})
	return t, err
}

const liveEnrollmentSQL = `SELECT ` + enrollmentColumns + ` FROM enrollment_tokens
WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
  AND (max_uses IS NULL OR uses < max_uses)`

// LiveEnrollmentToken returns the usable token with that hash, or
// ErrNotFound when it is unknown, revoked, expired or used up.
func (s *Store) LiveEnrollmentToken(ctx context.Context, hash auth.TokenHash) (EnrollmentToken, error) {
	rows, _ := s.pool.Query(ctx, liveEnrollmentSQL, hash[:])
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[EnrollmentToken])
	if err != nil {
		return EnrollmentToken{}, fmt.Errorf("get enrollment token: %w", mapErr(err))
	}
	return t, nil
}

const listEnrollmentSQL = `SELECT ` + enrollmentColumns + ` FROM enrollment_tokens
WHERE tenant_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id > $2)
ORDER BY id LIMIT $3`

// EnrollmentTokens lists a tenant's unrevoked tokens after the cursor id.
func (s *Store) EnrollmentTokens(ctx context.Context, tenantID uuid.UUID, after *uuid.UUID, limit int) ([]EnrollmentToken, error) {
	rows, _ := s.pool.Query(ctx, listEnrollmentSQL, tenantID, after, limit)
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByName[EnrollmentToken])
	if err != nil {
		return nil, fmt.Errorf("list enrollment tokens: %w", err)
	}
	return ts, nil
}

const revokeEnrollmentSQL = `UPDATE enrollment_tokens SET revoked_at = now()
WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL`

// RevokeEnrollmentToken stops a token from enrolling more agents; agents
// it enrolled keep their own tokens.
func (s *Store) RevokeEnrollmentToken(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "enrollment_token", id.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "revoke enrollment token", revokeEnrollmentSQL, tenantID, id)
	})
}
