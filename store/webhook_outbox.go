package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// DueDelivery is a claimed delivery with all the sender needs.
type DueDelivery struct {
	ID          int64      `db:"id"`
	TenantID    uuid.UUID  `db:"tenant_id"`
	WebhookID   uuid.UUID  `db:"webhook_id"`
	URL         string     `db:"url"`
	Secret      string     `db:"secret"`
	Attempts    int32      `db:"attempts"` // before this one
	CreatedAt   time.Time  `db:"created_at"`
	EventID     int64      `db:"event_id"`
	EventState  string     `db:"event_state"`
	EventAt     time.Time  `db:"event_at"`
	AlertID     uuid.UUID  `db:"alert_id"`
	AgentID     *uuid.UUID `db:"agent_id"`
	Hostname    *string    `db:"hostname"`
	Source      string     `db:"source"`
	Key         string     `db:"key"`
	Severity    string     `db:"severity"`
	Summary     string     `db:"summary"`
	StartedAt   time.Time  `db:"started_at"`
	ResolvedAt  *time.Time `db:"resolved_at"`
	ResolveNote string     `db:"resolve_note"`
}

// claimSQL leases due deliveries: their next attempt moves lease ahead,
// so a hub that dies mid-send leaves them to be retried, and SKIP LOCKED
// lets several hubs share the outbox.
const claimSQL = `WITH due AS (
  SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $2::float8)
  FROM due WHERE d.id = due.id RETURNING d.*
)
SELECT c.id, c.tenant_id, c.webhook_id, w.url, w.secret, c.attempts, c.created_at, e.id AS event_id,
  e.state AS event_state, e.at AS event_at, al.id AS alert_id, al.agent_id, a.hostname, al.source, al.key,
  e.severity, e.summary, al.started_at, al.resolved_at, al.resolve_note
FROM claimed c JOIN webhooks w ON w.id = c.webhook_id JOIN alert_events e ON e.id = c.event_id
JOIN alerts al ON al.id = e.alert_id LEFT JOIN agents a ON a.id = al.agent_id
ORDER BY c.id`

// ClaimDeliveries leases up to limit due deliveries for lease.
func (s *Store) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]DueDelivery, error) {
	rows, _ := s.pool.Query(ctx, claimSQL, limit, lease.Seconds())
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[DueDelivery])
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	OK     bool
	Status int    // HTTP status, 0 when none came back
	Error  string // why it failed
	// Next is when to retry; nil gives the delivery up (failed).
	Next *time.Time
}

const deliveredSQL = `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = now(),
  last_status = $2, last_error = '', delivered_at = now() WHERE id = $1`

const failedAttemptSQL = `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(),
  last_status = NULLIF($2, 0), last_error = $3,
  status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
  next_attempt_at = COALESCE($4, next_attempt_at) WHERE id = $1`

const webhookHealthySQL = `UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`

// webhookFailingSQL starts or continues the endpoint's failure period and
// disables it once the period passes $2 seconds; disabling fails its
// pending deliveries.
const webhookFailingSQL = `WITH w AS (
  UPDATE webhooks SET failing_since = COALESCE(failing_since, now()),
    disabled_at = CASE WHEN COALESCE(failing_since, now()) < now() - make_interval(secs => $2::float8) THEN now() END
  WHERE id = $1 AND disabled_at IS NULL RETURNING id, disabled_at
)
UPDATE webhook_deliveries d SET status = 'failed', last_error = 'webhook disabled after failing for too long'
FROM w WHERE w.disabled_at IS NOT NULL AND d.webhook_id = w.id AND d.status = 'pending'`

// RecordAttempt stores the outcome of an attempt and the endpoint's
// health: a success ends its failure period; a failure starts one, and an
// endpoint failing for longer than disableAfter is disabled.
func (s *Store) RecordAttempt(ctx context.Context, d DueDelivery, a Attempt, disableAfter time.Duration) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if a.OK {
			if _, err := tx.Exec(ctx, deliveredSQL, d.ID, a.Status); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, webhookHealthySQL, d.WebhookID)
			return err
		}
		if _, err := tx.Exec(ctx, failedAttemptSQL, d.ID, a.Status, a.Error, a.Next); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, webhookFailingSQL, d.WebhookID, disableAfter.Seconds())
		return err
	})
	if err != nil {
		return fmt.Errorf("record delivery attempt: %w", err)
	}
	return nil
}

const pruneDeliveriesSQL = `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1`

// PruneDeliveries removes finished deliveries created before before: the
// delivery log keeps a bounded window.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, pruneDeliveriesSQL, before)
	if err != nil {
		return 0, fmt.Errorf("prune webhook deliveries: %w", err)
	}
	return tag.RowsAffected(), nil
}
