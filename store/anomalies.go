package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

// Anomaly is an integrity event about an agent that a person should look
// at: a refused signing key, an unproven re-registration, and later the
// integrity checks' findings.
type Anomaly struct {
	ID         uuid.UUID      `db:"id"`
	TenantID   uuid.UUID      `db:"tenant_id"`
	AgentID    *uuid.UUID     `db:"agent_id"`
	Kind       string         `db:"kind"`
	Detail     map[string]any `db:"detail"`
	SourceIP   string         `db:"source_ip"`
	CreatedAt  time.Time      `db:"created_at"`
	ResolvedAt *time.Time     `db:"resolved_at"`
}

const insertAnomalySQL = `INSERT INTO integrity_anomalies (id, tenant_id, agent_id, kind, detail, source_ip)
VALUES ($1, $2, $3, $4, $5, $6)`

// RecordAnomaly stores one integrity anomaly and its
// integrity_anomaly_raised audit row.
func (s *Store) RecordAnomaly(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID, kind string, detail map[string]any, sourceIP string) error {
	id := newID()
	ev := audit.Event{TenantID: tenantID.String(), ActorType: audit.ActorSystem, Type: "integrity_anomaly_raised",
		TargetType: "integrity_anomaly", TargetID: id.String(), IP: sourceIP, Details: map[string]any{"kind": kind}}
	if agentID != nil {
		ev.Details["agent_id"] = agentID.String()
	}
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertAnomalySQL, id, tenantID, agentID, kind, detail, sourceIP); err != nil {
			return fmt.Errorf("insert integrity anomaly: %w", err)
		}
		return nil
	})
}

const listAnomaliesSQL = `SELECT id, tenant_id, agent_id, kind, detail, source_ip, created_at, resolved_at
FROM integrity_anomalies WHERE tenant_id = $1 AND ($2 OR resolved_at IS NULL)
ORDER BY created_at DESC, id DESC LIMIT $3`

// Anomalies lists a tenant's anomalies, newest first.
func (s *Store) Anomalies(ctx context.Context, tenantID uuid.UUID, includeResolved bool, limit int) ([]Anomaly, error) {
	rows, _ := s.pool.Query(ctx, listAnomaliesSQL, tenantID, includeResolved, limit)
	as, err := pgx.CollectRows(rows, pgx.RowToStructByName[Anomaly])
	if err != nil {
		return nil, fmt.Errorf("list integrity anomalies: %w", err)
	}
	return as, nil
}
