package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reader is what List and Verify read through: a pool, conn or tx.
type Reader interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Filter narrows List. Zero fields do not filter.
type Filter struct {
	Type     string // event_type
	ActorID  string
	TargetID string
	Since    *time.Time // occurred at or after
	Until    *time.Time // occurred before
	BeforeID int64      // cursor: only rows with a smaller id
	Limit    int        // 1 to 500
}

const rowColumns = `id, tenant_id::text, seq, occurred_at, actor_type, actor_id, event_type, target_type, target_id, ip, details::text, prev_hash, hash`

const listSQL = `SELECT ` + rowColumns + ` FROM audit_log
WHERE tenant_id = $1
  AND ($2 = '' OR event_type = $2)
  AND ($3 = '' OR actor_id = $3)
  AND ($4 = '' OR target_id = $4)
  AND ($5::timestamptz IS NULL OR occurred_at >= $5)
  AND ($6::timestamptz IS NULL OR occurred_at < $6)
  AND ($7::bigint = 0 OR id < $7)
ORDER BY id DESC LIMIT $8`

// List returns a tenant's audit rows, newest first.
func List(ctx context.Context, r Reader, tenantID string, f Filter) ([]Row, error) {
	if f.Limit < 1 || f.Limit > 500 {
		return nil, fmt.Errorf("list audit log: limit %d out of 1..500", f.Limit)
	}
	rows, err := r.Query(ctx, listSQL, tenantID, f.Type, f.ActorID, f.TargetID, f.Since, f.Until, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanRow)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}

func scanRow(rows pgx.CollectableRow) (Row, error) {
	var r Row
	err := rows.Scan(&r.ID, &r.TenantID, &r.Seq, &r.OccurredAt, &r.ActorType, &r.ActorID, &r.Type,
		&r.TargetType, &r.TargetID, &r.IP, &r.Details, &r.PrevHash, &r.Hash)
	r.OccurredAt = r.OccurredAt.UTC()
	return r, err
}
