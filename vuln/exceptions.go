package vuln

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

// Exception hides the findings of a CVE until it expires: of one package
// or every package, on one agent, the agents carrying a tag, or the
// whole fleet.
type Exception struct {
	ID        uuid.UUID  `db:"id"`
	CVE       string     `db:"cve"`
	Package   string     `db:"package"`
	AgentID   *uuid.UUID `db:"agent_id"`
	Tag       string     `db:"tag"`
	Reason    string     `db:"reason"`
	ExpiresAt time.Time  `db:"expires_at"`
	CreatedBy *uuid.UUID `db:"created_by"`
	CreatedAt time.Time  `db:"created_at"`
	Expired   bool       `db:"expired"`
}

const createExceptionSQL = `INSERT INTO vuln_exceptions (id, tenant_id, cve, package, agent_id, tag, reason, expires_at, created_by)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
WHERE $5::uuid IS NULL OR EXISTS (SELECT 1 FROM agents WHERE id = $5 AND tenant_id = $2 AND deleted_at IS NULL)
RETURNING id, cve, package, agent_id, tag, reason, expires_at, created_by, created_at, false AS expired`

// CreateException stores e (its ID and CreatedAt are set here) and its
// audit event ev (vuln_exception_created) in one transaction. An agent
// that is not the tenant's answers ErrNotFound.
func (s *Service) CreateException(ctx context.Context, tenantID uuid.UUID, e Exception, ev audit.Event) (Exception, error) {
	var out Exception
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, createExceptionSQL, uuid.Must(uuid.NewV7()), tenantID, e.CVE, e.Package, e.AgentID, e.Tag,
			e.Reason, e.ExpiresAt, e.CreatedBy)
		var err error
		out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Exception])
		if err == pgx.ErrNoRows {
			return fmt.Errorf("exception for agent %s: %w", e.AgentID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("create exception: %w", err)
		}
		ev.Type, ev.TargetType, ev.TargetID = "vuln_exception_created", "vuln_exception", out.ID.String()
		ev.Details = exceptionDetails(out)
		return audit.Record(ctx, tx, ev)
	})
	return out, err
}

func exceptionDetails(e Exception) map[string]any {
	d := map[string]any{"cve": e.CVE, "reason": e.Reason, "expires_at": e.ExpiresAt.UTC().Format(time.RFC3339)}
	if e.Package != "" {
		d["package"] = e.Package
	}
	if e.AgentID != nil {
		d["agent_id"] = e.AgentID.String()
	}
	if e.Tag != "" {
		d["tag"] = e.Tag
	}
	return d
}

const listExceptionsSQL = `SELECT id, cve, package, agent_id, tag, reason, expires_at, created_by, created_at, expires_at <= $2 AS expired
FROM vuln_exceptions
WHERE tenant_id = $1 AND deleted_at IS NULL AND ($3 OR expires_at > $2) AND ($4::uuid IS NULL OR id > $4)
ORDER BY id LIMIT $5`

// Exceptions lists the tenant's exceptions, oldest first; expired ones
// only when asked.
func (s *Service) Exceptions(ctx context.Context, tenantID uuid.UUID, withExpired bool, after *uuid.UUID, limit int) ([]Exception, error) {
	rows, _ := s.pool.Query(ctx, listExceptionsSQL, tenantID, s.cfg.Now(), withExpired, after, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Exception])
	if err != nil {
		return nil, fmt.Errorf("list exceptions: %w", err)
	}
	return out, nil
}

const deleteExceptionSQL = `UPDATE vuln_exceptions SET deleted_at = now()
WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL
RETURNING id, cve, package, agent_id, tag, reason, expires_at, created_by, created_at, false AS expired`

// DeleteException removes an exception (its findings show again) and
// audits it (vuln_exception_deleted) in one transaction.
func (s *Service) DeleteException(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, deleteExceptionSQL, tenantID, id)
		e, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Exception])
		if err == pgx.ErrNoRows {
			return fmt.Errorf("exception %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("delete exception: %w", err)
		}
		ev.Type, ev.TargetType, ev.TargetID, ev.Details = "vuln_exception_deleted", "vuln_exception", id.String(), exceptionDetails(e)
		return audit.Record(ctx, tx, ev)
	})
}
