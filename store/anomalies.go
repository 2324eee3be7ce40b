package store

import (
	"context"
	"errors"
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

// listAnomaliesSQL pages by id: ids are UUIDv7, so newest first is id
// descending.
const listAnomaliesSQL = `SELECT id, tenant_id, agent_id, kind, detail, source_ip, created_at, resolved_at
FROM integrity_anomalies WHERE tenant_id = $1 AND ($2 OR resolved_at IS NULL) AND ($4::uuid IS NULL OR id < $4)
ORDER BY id DESC LIMIT $3`

// Anomalies lists a tenant's anomalies, newest first, before the cursor id.
func (s *Store) Anomalies(ctx context.Context, tenantID uuid.UUID, includeResolved bool, before *uuid.UUID, limit int) ([]Anomaly, error) {
	rows, _ := s.pool.Query(ctx, listAnomaliesSQL, tenantID, includeResolved, limit, before)
	as, err := pgx.CollectRows(rows, pgx.RowToStructByName[Anomaly])
	if err != nil {
		return nil, fmt.Errorf("list integrity anomalies: %w", err)
	}
	return as, nil
}

// ErrAlreadyResolved is returned when resolving an alert or an integrity
// anomaly that was resolved before.
var ErrAlreadyResolved = errors.New("already resolved")

const lockAnomalySQL = `SELECT resolved_at FROM integrity_anomalies WHERE tenant_id = $1 AND id = $2 FOR UPDATE`

const resolveAnomalySQL = `UPDATE integrity_anomalies SET resolved_at = now(), resolved_by = $3 WHERE tenant_id = $1 AND id = $2`

// ResolveAnomaly marks an anomaly handled by userID and records ev
// (integrity_anomaly_resolved). ErrNotFound: not the tenant's;
// ErrAlreadyResolved: resolved earlier.
func (s *Store) ResolveAnomaly(ctx context.Context, tenantID, id, userID uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "integrity_anomaly", id.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		var resolved *time.Time
		if err := tx.QueryRow(ctx, lockAnomalySQL, tenantID, id).Scan(&resolved); err != nil {
			return fmt.Errorf("lock integrity anomaly: %w", mapErr(err))
		}
		if resolved != nil {
			return ErrAlreadyResolved
		}
		var by *uuid.UUID
		if userID != (uuid.UUID{}) {
			by = &userID
		}
		if _, err := tx.Exec(ctx, resolveAnomalySQL, tenantID, id, by); err != nil {
			return fmt.Errorf("resolve integrity anomaly: %w", err)
		}
		return nil
	})
}

const openAnomalyCountsSQL = `SELECT kind, count(*) FROM integrity_anomalies
WHERE tenant_id = $1 AND resolved_at IS NULL GROUP BY kind`

// OpenAnomalyCounts counts a tenant's unresolved anomalies by kind.
func (s *Store) OpenAnomalyCounts(ctx context.Context, tenantID uuid.UUID) (map[string]int, error) {
	rows, _ := s.pool.Query(ctx, openAnomalyCountsSQL, tenantID)
	out := map[string]int{}
	var kind string
	var n int
	_, err := pgx.ForEachRow(rows, []any{&kind, &n}, func() error {
		out[kind] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count integrity anomalies: %w", err)
	}
	return out, nil
}
