package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Tenant is one organisation's space: its people, agents and data.
type Tenant struct {
	ID        uuid.UUID `db:"id"`
	Name      string    `db:"name"`
	Slug      string    `db:"slug"`
	CreatedAt time.Time `db:"created_at"`
}

const insertTenantSQL = `INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)
RETURNING id, name, slug, created_at`

func createTenant(ctx context.Context, tx pgx.Tx, name, slug string) (Tenant, error) {
	rows, _ := tx.Query(ctx, insertTenantSQL, newID(), name, slug)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Tenant])
	if err != nil {
		return Tenant{}, fmt.Errorf("insert tenant: %w", mapErr(err))
	}
	if _, err := installDefaultRules(ctx, tx, t.ID); err != nil {
		return Tenant{}, err
	}
	return t, nil
}

const getTenantSQL = `SELECT id, name, slug, created_at FROM tenants WHERE id = $1`

// Tenant returns one tenant.
func (s *Store) Tenant(ctx context.Context, id uuid.UUID) (Tenant, error) {
	rows, _ := s.pool.Query(ctx, getTenantSQL, id)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Tenant])
	if err != nil {
		return Tenant{}, fmt.Errorf("get tenant: %w", mapErr(err))
	}
	return t, nil
}

const getTenantBySlugSQL = `SELECT id, name, slug, created_at FROM tenants WHERE slug = $1`

// TenantBySlug returns the tenant with that slug.
func (s *Store) TenantBySlug(ctx context.Context, slug string) (Tenant, error) {
	rows, _ := s.pool.Query(ctx, getTenantBySlugSQL, slug)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Tenant])
	if err != nil {
		return Tenant{}, fmt.Errorf("get tenant by slug: %w", mapErr(err))
	}
	return t, nil
}
