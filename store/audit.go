package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

// audited runs fn in a transaction and records ev in the same one, so the
// action and its audit row commit together or not at all. fn may fill in
// ev (the id of what it created, details); an ev without a Type records
// nothing.
func (s *Store) audited(ctx context.Context, ev *audit.Event, fn func(pgx.Tx) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return recordTx(ctx, tx, ev)
	})
}

func recordTx(ctx context.Context, tx pgx.Tx, ev *audit.Event) error {
	if ev == nil || ev.Type == "" {
		return nil
	}
	if err := audit.Record(ctx, tx, *ev); err != nil {
		return fmt.Errorf("record %s: %w", ev.Type, err)
	}
	return nil
}

// Record appends an audit event on its own, for actions that change no
// other row (a failed login, a verification).
func (s *Store) Record(ctx context.Context, ev audit.Event) error {
	if err := audit.Record(ctx, s.pool, ev); err != nil {
		return fmt.Errorf("record %s: %w", ev.Type, err)
	}
	return nil
}

// AuditLog lists a tenant's audit rows, newest first.
func (s *Store) AuditLog(ctx context.Context, tenantID uuid.UUID, f audit.Filter) ([]audit.Row, error) {
	return audit.List(ctx, s.pool, tenantID.String(), f)
}

// VerifyAuditLog recomputes a tenant's audit chain.
func (s *Store) VerifyAuditLog(ctx context.Context, tenantID uuid.UUID) (audit.Report, error) {
	return audit.Verify(ctx, s.pool, tenantID.String())
}
