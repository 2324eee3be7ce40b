package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Alert states and sources.
const (
	AlertPending  = "pending" // a rule's condition holds, its for-duration has not passed
	AlertFiring   = "firing"
	AlertResolved = "resolved"

	SourceAgent  = "agent"  // raised by the agent in an ingest batch
	SourceRule   = "rule"   // raised by an alert rule
	SourceSystem = "system" // raised by the hub (silent agents)
	SourceCVE    = "cve"    // raised by a new vulnerability match (package vuln)
)

// Alert is one alert of a tenant, open or closed.
type Alert struct {
	ID          uuid.UUID  `db:"id"`
	AgentID     *uuid.UUID `db:"agent_id"`
	Hostname    *string    `db:"hostname"`
	Source      string     `db:"source"`
	Key         string     `db:"key"`
	Severity    string     `db:"severity"`
	Summary     string     `db:"summary"`
	State       string     `db:"state"`
	StartedAt   time.Time  `db:"started_at"`
	LastSeenAt  time.Time  `db:"last_seen_at"`
	ResolvedAt  *time.Time `db:"resolved_at"`
	ResolvedBy  *uuid.UUID `db:"resolved_by"`
	ResolveNote string     `db:"resolve_note"`
}

// AlertFilter narrows an alert listing. Zero fields do not filter.
type AlertFilter struct {
	State    string
	Severity string
	Source   string
	AgentID  *uuid.UUID
	Since    *time.Time // started at or after
	After    *AlertCursor
	Limit    int
}

// AlertCursor is the position after the last alert of a page: newest
// first by start, then id.
type AlertCursor struct {
	StartedAt time.Time `json:"t"`
	ID        uuid.UUID `json:"i"`
}

const alertColumns = `al.id, al.agent_id, a.hostname, al.source, al.key, al.severity, al.summary, al.state,
  al.started_at, al.last_seen_at, al.resolved_at, al.resolved_by, al.resolve_note`

const listAlertsSQL = `SELECT ` + alertColumns + ` FROM alerts al LEFT JOIN agents a ON a.id = al.agent_id
WHERE al.tenant_id = $1 AND ($2 = '' OR al.state = $2) AND ($3 = '' OR al.severity = $3) AND ($4 = '' OR al.source = $4)
  AND ($5::uuid IS NULL OR al.agent_id = $5) AND ($6::timestamptz IS NULL OR al.started_at >= $6)
  AND ($7::timestamptz IS NULL OR (al.started_at, al.id) < ($7, $8::uuid))
ORDER BY al.started_at DESC, al.id DESC LIMIT $9`

// Alerts lists a tenant's alerts, newest first.
func (s *Store) Alerts(ctx context.Context, tenantID uuid.UUID, f AlertFilter) ([]Alert, error) {
	var at *time.Time
	var id *uuid.UUID
	if f.After != nil {
		at, id = &f.After.StartedAt, &f.After.ID
	}
	rows, _ := s.pool.Query(ctx, listAlertsSQL, tenantID, f.State, f.Severity, f.Source, f.AgentID, f.Since, at, id, f.Limit)
	alerts, err := pgx.CollectRows(rows, pgx.RowToStructByName[Alert])
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return alerts, nil
}

const oneAlertSQL = `SELECT ` + alertColumns + ` FROM alerts al LEFT JOIN agents a ON a.id = al.agent_id
WHERE al.tenant_id = $1 AND al.id = $2`

// ResolveAlert closes an open alert by hand: who, when and why are kept,
// and a resolved event goes out like any other transition
// (alert_transitions.go). ErrAlreadyResolved: it was not open.
func (s *Store) ResolveAlert(ctx context.Context, tenantID, id, userID uuid.UUID, note string) (Alert, error) {
	var out Alert
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := resolveByHand(ctx, tx, tenantID, id, userID, note); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, oneAlertSQL, tenantID, id)
		var err error
		out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Alert])
		return err
	})
	if err != nil {
		return Alert{}, fmt.Errorf("resolve alert: %w", err)
	}
	return out, nil
}

// Alert returns one alert of the tenant.
func (s *Store) Alert(ctx context.Context, tenantID, id uuid.UUID) (Alert, error) {
	rows, _ := s.pool.Query(ctx, oneAlertSQL, tenantID, id)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Alert])
	if err != nil {
		return Alert{}, fmt.Errorf("get alert: %w", mapErr(err))
	}
	return a, nil
}

// AlertEvent is one transition of an alert.
type AlertEvent struct {
	ID       int64     `db:"id"`
	AlertID  uuid.UUID `db:"alert_id"`
	State    string    `db:"state"`
	Severity string    `db:"severity"`
	Summary  string    `db:"summary"`
	At       time.Time `db:"at"`
}

const alertEventsSQL = `SELECT e.id, e.alert_id, e.state, e.severity, e.summary, e.at FROM alert_events e
WHERE e.tenant_id = $1 AND e.alert_id = $2 ORDER BY e.id LIMIT 1000`

// AlertEvents lists an alert's transitions, oldest first (at most 1000:
// an alert moves through three states, agents' alerts through two).
func (s *Store) AlertEvents(ctx context.Context, tenantID, alertID uuid.UUID) ([]AlertEvent, error) {
	rows, _ := s.pool.Query(ctx, alertEventsSQL, tenantID, alertID)
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByName[AlertEvent])
	if err != nil {
		return nil, fmt.Errorf("list alert events: %w", err)
	}
	return evs, nil
}
