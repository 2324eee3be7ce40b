package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/auth"
)

// Bootstrap is the first tenant and owner made on an empty database.
type Bootstrap struct {
	Tenant Tenant
	Owner  User
}

// bootstrapLockSQL serialises first starts of several hubs on one database.
const bootstrapLockSQL = `SELECT pg_advisory_xact_lock(7335121)`

const anyUserSQL = `SELECT EXISTS (SELECT 1 FROM users)`

// BootstrapFirstOwner creates the first tenant and its owner when no user
// exists yet. It reports false, and changes nothing, on any later start.
func (s *Store) BootstrapFirstOwner(ctx context.Context, tenantName, tenantSlug, email, passwordHash string) (Bootstrap, bool, error) {
	var b Bootstrap
	created := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, bootstrapLockSQL); err != nil {
			return fmt.Errorf("lock bootstrap: %w", err)
		}
		var exists bool
		if err := tx.QueryRow(ctx, anyUserSQL).Scan(&exists); err != nil {
			return fmt.Errorf("look for users: %w", err)
		}
		if exists {
			return nil
		}
		var err error
		if b.Tenant, err = createTenant(ctx, tx, tenantName, tenantSlug); err != nil {
			return err
		}
		if b.Owner, err = createUser(ctx, tx, b.Tenant.ID, email, "", passwordHash, auth.RoleOwner); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return Bootstrap{}, false, fmt.Errorf("bootstrap first owner: %w", err)
	}
	return b, created, nil
}

// CreateTenantWithOwner adds a tenant and its first owner; used by the CLI
// and by tests that need several tenants.
func (s *Store) CreateTenantWithOwner(ctx context.Context, tenantName, tenantSlug, email, passwordHash string) (Bootstrap, error) {
	var b Bootstrap
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if b.Tenant, err = createTenant(ctx, tx, tenantName, tenantSlug); err != nil {
			return err
		}
		b.Owner, err = createUser(ctx, tx, b.Tenant.ID, email, "", passwordHash, auth.RoleOwner)
		return err
	})
	if err != nil {
		return Bootstrap{}, fmt.Errorf("create tenant with owner: %w", err)
	}
	return b, nil
}
