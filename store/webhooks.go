package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Webhook is an endpoint that receives a tenant's alert events.
type Webhook struct {
	ID           uuid.UUID  `db:"id"`
	TenantID     uuid.UUID  `db:"tenant_id"`
	URL          string     `db:"url"`
	Description  string     `db:"description"`
	CreatedBy    *uuid.UUID `db:"created_by"`
	CreatedAt    time.Time  `db:"created_at"`
	FailingSince *time.Time `db:"failing_since"`
	DisabledAt   *time.Time `db:"disabled_at"`
}

const webhookColumns = `id, tenant_id, url, description, created_by, created_at, failing_since, disabled_at`

const insertWebhookSQL = `INSERT INTO webhooks (id, tenant_id, url, description, secret, created_by)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING ` + webhookColumns

// CreateWebhook stores an endpoint and its signing secret (whsec_…).
func (s *Store) CreateWebhook(ctx context.Context, tenantID uuid.UUID, url, description, secret string, createdBy *uuid.UUID) (Webhook, error) {
	rows, _ := s.pool.Query(ctx, insertWebhookSQL, newID(), tenantID, url, description, secret, createdBy)
	w, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Webhook])
	if err != nil {
		return Webhook{}, fmt.Errorf("create webhook: %w", mapErr(err))
	}
	return w, nil
}

const listWebhooksSQL = `SELECT ` + webhookColumns + ` FROM webhooks
WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`

// Webhooks lists a tenant's endpoints in creation order.
func (s *Store) Webhooks(ctx context.Context, tenantID uuid.UUID, after *uuid.UUID, limit int) ([]Webhook, error) {
	rows, _ := s.pool.Query(ctx, listWebhooksSQL, tenantID, after, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Webhook])
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

const deleteWebhookSQL = `UPDATE webhooks SET deleted_at = now() WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`

const dropPendingSQL = `UPDATE webhook_deliveries SET status = 'failed', last_error = $2
WHERE webhook_id = $1 AND status = 'pending'`

// DeleteWebhook stops deliveries to an endpoint at once; its delivery log
// stays readable for the record but the endpoint leaves every listing.
func (s *Store) DeleteWebhook(ctx context.Context, tenantID, id uuid.UUID) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := execOne(ctx, tx, ErrNotFound, "delete webhook row", deleteWebhookSQL, tenantID, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, dropPendingSQL, id, "webhook deleted")
		return err
	})
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}

// Delivery is one alert event's delivery to one endpoint.
type Delivery struct {
	ID            int64      `db:"id"`
	EventID       int64      `db:"event_id"`
	AlertID       uuid.UUID  `db:"alert_id"`
	EventState    string     `db:"event_state"`
	Status        string     `db:"status"` // pending, delivered or failed
	Attempts      int32      `db:"attempts"`
	NextAttemptAt *time.Time `db:"next_attempt_at"`
	LastAttemptAt *time.Time `db:"last_attempt_at"`
	LastStatus    *int32     `db:"last_status"`
	LastError     string     `db:"last_error"`
	CreatedAt     time.Time  `db:"created_at"`
	DeliveredAt   *time.Time `db:"delivered_at"`
}

const webhookExistsSQL = `SELECT EXISTS (SELECT 1 FROM webhooks WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL)`

const deliveriesSQL = `SELECT d.id, d.event_id, e.alert_id, e.state AS event_state, d.status, d.attempts,
  CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
  d.last_attempt_at, d.last_status, d.last_error, d.created_at, d.delivered_at
FROM webhook_deliveries d JOIN alert_events e ON e.id = d.event_id
WHERE d.tenant_id = $1 AND d.webhook_id = $2 AND ($3 = '' OR d.status = $3) AND ($4::bigint IS NULL OR d.id < $4)
ORDER BY d.id DESC LIMIT $5`

// Deliveries is an endpoint's delivery log, newest first.
func (s *Store) Deliveries(ctx context.Context, tenantID, webhookID uuid.UUID, status string, before *int64, limit int) ([]Delivery, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, webhookExistsSQL, tenantID, webhookID).Scan(&ok); err != nil {
		return nil, fmt.Errorf("look up webhook: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("look up webhook: %w", ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, deliveriesSQL, tenantID, webhookID, status, before, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Delivery])
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return out, nil
}
