package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

// Diagram is Mermaid source a tenant keeps, drawn by hand, generated from
// the map or started from a template.
type Diagram struct {
	ID             uuid.UUID       `db:"id"`
	Name           string          `db:"name"`
	Source         string          `db:"source"`
	Scope          json.RawMessage `db:"scope"` // what generated it, nil when drawn
	Template       string          `db:"template"`
	CreatedAt      time.Time       `db:"created_at"`
	UpdatedAt      time.Time       `db:"updated_at"`
	Shared         bool            `db:"shared"`
	ShareExpiresAt *time.Time      `db:"share_expires_at"`
}

const diagramColumns = `id, name, source, scope, template, created_at, updated_at,
  share_hash IS NOT NULL AND share_expires_at > now() AS shared,
  CASE WHEN share_hash IS NOT NULL THEN share_expires_at END AS share_expires_at`

const insertDiagramSQL = `INSERT INTO diagrams (id, tenant_id, name, source, scope, template) VALUES ($1, $2, $3, $4, $5, $6)
RETURNING ` + diagramColumns

// CreateDiagram stores a diagram; ev (diagram_created) commits with it.
func (s *Store) CreateDiagram(ctx context.Context, tenantID uuid.UUID, d Diagram, ev audit.Event) (Diagram, error) {
	var out Diagram
	err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, insertDiagramSQL, newID(), tenantID, d.Name, d.Source, d.Scope, d.Template)
		var err error
		out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Diagram])
		ev.TargetType, ev.TargetID = "diagram", out.ID.String()
		return err
	})
	if err != nil {
		return Diagram{}, fmt.Errorf("create diagram: %w", err)
	}
	return out, nil
}

const diagramsSQL = `SELECT ` + diagramColumns + ` FROM diagrams
WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`

// Diagrams lists a tenant's diagrams in creation order.
func (s *Store) Diagrams(ctx context.Context, tenantID uuid.UUID, after *uuid.UUID, limit int) ([]Diagram, error) {
	rows, _ := s.pool.Query(ctx, diagramsSQL, tenantID, after, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Diagram])
	if err != nil {
		return nil, fmt.Errorf("list diagrams: %w", err)
	}
	return out, nil
}

const diagramSQL = `SELECT ` + diagramColumns + ` FROM diagrams WHERE tenant_id = $1 AND id = $2`

// DiagramByID is one of a tenant's diagrams.
func (s *Store) DiagramByID(ctx context.Context, tenantID, id uuid.UUID) (Diagram, error) {
	rows, _ := s.pool.Query(ctx, diagramSQL, tenantID, id)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Diagram])
	if err != nil {
		return Diagram{}, fmt.Errorf("read diagram: %w", mapErr(err))
	}
	return out, nil
}

const updateDiagramSQL = `UPDATE diagrams SET name = $3, source = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2
RETURNING ` + diagramColumns

// UpdateDiagram replaces a diagram's name and source (a share link shows
// the new source at once); ev (diagram_updated) commits with it.
func (s *Store) UpdateDiagram(ctx context.Context, tenantID uuid.UUID, d Diagram, ev audit.Event) (Diagram, error) {
	var out Diagram
	ev.TargetType, ev.TargetID = "diagram", d.ID.String()
	err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, updateDiagramSQL, tenantID, d.ID, d.Name, d.Source)
		var err error
		out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Diagram])
		return mapErr(err)
	})
	if err != nil {
		return Diagram{}, fmt.Errorf("update diagram: %w", err)
	}
	return out, nil
}

const deleteDiagramSQL = `DELETE FROM diagrams WHERE tenant_id = $1 AND id = $2`

// DeleteDiagram removes a diagram and its share link; ev
// (diagram_deleted) commits with it.
func (s *Store) DeleteDiagram(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "diagram", id.String()
	if err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "delete diagram row", deleteDiagramSQL, tenantID, id)
	}); err != nil {
		return fmt.Errorf("delete diagram: %w", err)
	}
	return nil
}

const shareDiagramSQL = `UPDATE diagrams SET share_hash = $3, share_expires_at = $4 WHERE tenant_id = $1 AND id = $2`

// ShareDiagram sets the diagram's share link (only the token's SHA-256
// is stored), replacing any earlier one; ev (diagram_shared) commits
// with it.
func (s *Store) ShareDiagram(ctx context.Context, tenantID, id uuid.UUID, tokenHash []byte, expires time.Time, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "diagram", id.String()
	ev.Details = map[string]any{"expires_at": expires.UTC()}
	if err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "set share link", shareDiagramSQL, tenantID, id, tokenHash, expires)
	}); err != nil {
		return fmt.Errorf("share diagram: %w", err)
	}
	return nil
}

const unshareDiagramSQL = `UPDATE diagrams SET share_hash = NULL, share_expires_at = NULL WHERE tenant_id = $1 AND id = $2`

// UnshareDiagram revokes the diagram's share link at once; ev
// (diagram_unshared) commits with it.
func (s *Store) UnshareDiagram(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "diagram", id.String()
	if err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "clear share link", unshareDiagramSQL, tenantID, id)
	}); err != nil {
		return fmt.Errorf("unshare diagram: %w", err)
	}
	return nil
}

const sharedDiagramSQL = `SELECT ` + diagramColumns + ` FROM diagrams WHERE share_hash = $1 AND share_expires_at > $2`

// SharedDiagram is the diagram whose share link's token hashes to
// tokenHash, while the link lives at now; ErrNotFound otherwise.
func (s *Store) SharedDiagram(ctx context.Context, tokenHash []byte, now time.Time) (Diagram, error) {
	rows, _ := s.pool.Query(ctx, sharedDiagramSQL, tokenHash, now)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Diagram])
	if err != nil {
		return Diagram{}, fmt.Errorf("read shared diagram: %w", mapErr(err))
	}
	return out, nil
}
