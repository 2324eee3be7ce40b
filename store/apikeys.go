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

// APIKey is a long-lived bearer credential for scripts, scoped to a role in
// one tenant.
type APIKey struct {
	ID         uuid.UUID  `db:"id"`
	TenantID   uuid.UUID  `db:"tenant_id"`
	CreatedBy  *uuid.UUID `db:"created_by"`
	Name       string     `db:"name"`
	Role       auth.Role  `db:"role"`
	CreatedAt  time.Time  `db:"created_at"`
	ExpiresAt  *time.Time `db:"expires_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

const apiKeyColumns = `id, tenant_id, created_by, name, role, created_at, expires_at, last_used_at, revoked_at`

// NewAPIKey is what CreateAPIKey needs.
type NewAPIKey struct {
	TenantID  uuid.UUID
	CreatedBy uuid.UUID
	Name      string
	Role      auth.Role
	TokenHash auth.TokenHash
	ExpiresAt *time.Time
	Audit     audit.Event // recorded with the key's id as target; no Type: nothing recorded
}

const insertAPIKeySQL = `INSERT INTO api_keys (id, tenant_id, created_by, name, role, token_hash, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ` + apiKeyColumns

// CreateAPIKey stores a new key.
func (s *Store) CreateAPIKey(ctx context.Context, n NewAPIKey) (APIKey, error) {
	var k APIKey
	err := s.audited(ctx, &n.Audit, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, insertAPIKeySQL, newID(), n.TenantID, n.CreatedBy, n.Name, n.Role, n.TokenHash[:], n.ExpiresAt)
		var err error
		if k, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[APIKey]); err != nil {
			return fmt.Errorf("insert api key: %w", mapErr(err))
		}
		n.Audit.TargetType, n.Audit.TargetID = "api_key", k.ID.String()
		n.Audit.Details = map[string]any{"name": k.Name, "role": k.Role, "expires_at": k.ExpiresAt}
		return nil
	})
	return k, err
}

// useAPIKeySQL resolves a live key and stamps its use at most once a minute,
// so a busy script does not write a row per request. A key acts for the
// person who made it: it stops working when they are disabled or leave the
// tenant, and it never has more than their current role.
const useAPIKeySQL = `WITH k AS (
  SELECT a.id, a.tenant_id, a.created_by, a.name,
    CASE WHEN array_position(ARRAY['viewer','member','admin','owner'], a.role)
           <= array_position(ARRAY['viewer','member','admin','owner'], m.role)
         THEN a.role ELSE m.role END AS role,
    a.created_at, a.expires_at, a.last_used_at, a.revoked_at
  FROM api_keys a
  JOIN users u ON u.id = a.created_by AND u.disabled_at IS NULL
  JOIN memberships m ON m.tenant_id = a.tenant_id AND m.user_id = a.created_by
  WHERE a.token_hash = $1 AND a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > now())
), touched AS (
  UPDATE api_keys a SET last_used_at = now() FROM k
  WHERE a.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
)
SELECT ` + apiKeyColumns + ` FROM k`

// UseAPIKey returns the live key with that hash, its role capped at its
// creator's current role, or ErrNotFound.
func (s *Store) UseAPIKey(ctx context.Context, hash auth.TokenHash) (APIKey, error) {
	rows, _ := s.pool.Query(ctx, useAPIKeySQL, hash[:])
	k, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[APIKey])
	if err != nil {
		return APIKey{}, fmt.Errorf("use api key: %w", mapErr(err))
	}
	return k, nil
}

const listAPIKeysSQL = `SELECT ` + apiKeyColumns + ` FROM api_keys
WHERE tenant_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR created_by = $2)
  AND ($3::uuid IS NULL OR id > $3)
ORDER BY id LIMIT $4`

// APIKeys lists a tenant's unrevoked keys after the cursor id, only those
// createdBy made when it is set.
func (s *Store) APIKeys(ctx context.Context, tenantID uuid.UUID, createdBy, after *uuid.UUID, limit int) ([]APIKey, error) {
	rows, _ := s.pool.Query(ctx, listAPIKeysSQL, tenantID, createdBy, after, limit)
	keys, err := pgx.CollectRows(rows, pgx.RowToStructByName[APIKey])
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

const revokeAPIKeySQL = `UPDATE api_keys SET revoked_at = now()
WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL AND ($3::uuid IS NULL OR created_by = $3)`

// RevokeAPIKey revokes a key of the tenant (only one createdBy made, when
// set), or answers ErrNotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, tenantID, id uuid.UUID, createdBy *uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "api_key", id.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "revoke api key", revokeAPIKeySQL, tenantID, id, createdBy)
	})
}
