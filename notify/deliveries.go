package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Delivery is one message to a channel: a group of alert events, or a
// test.
type Delivery struct {
	ID            int64
	Purpose       string // alerts or test
	Events        int32  // alert events the message carries
	Title         string
	Status        string // pending, delivered or failed
	Attempts      int32
	NextAttemptAt *time.Time // while pending
	LastAttemptAt *time.Time
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   *time.Time
}

const deliveryColumns = `id, purpose, events, title, status, attempts,
  CASE WHEN status = 'pending' THEN next_attempt_at END, last_attempt_at, last_error, created_at, delivered_at`

const channelExistsSQL = `SELECT EXISTS (SELECT 1 FROM notification_channels WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL)`

const deliveriesSQL = `SELECT ` + deliveryColumns + ` FROM notification_deliveries
WHERE tenant_id = $1 AND channel_id = $2 AND ($3 = '' OR status = $3) AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC LIMIT $5`

// Deliveries is a channel's delivery log, newest first, before the id
// before when given. ErrNotFound when there is no such channel.
func (s *Service) Deliveries(ctx context.Context, tenantID, channelID uuid.UUID, status string, before *int64, limit int) ([]Delivery, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, channelExistsSQL, tenantID, channelID).Scan(&ok); err != nil {
		return nil, fmt.Errorf("look up channel: %w", err)
	}
	if !ok {
		return nil, ErrNotFound
	}
	rows, _ := s.pool.Query(ctx, deliveriesSQL, tenantID, channelID, status, before, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Delivery])
	if err != nil {
		return nil, fmt.Errorf("list notification deliveries: %w", err)
	}
	return out, nil
}

const sealedTargetSQL = `SELECT name, target_sealed FROM notification_channels WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`

const insertTestSQL = `INSERT INTO notification_deliveries (tenant_id, channel_id, purpose, title, body, status, attempts, next_attempt_at)
VALUES ($1, $2, 'test', $3, $4, 'failed', 0, $5) RETURNING id`

const testDeliverySQL = `SELECT ` + deliveryColumns + ` FROM notification_deliveries WHERE id = $1`

// Test sends a test message to a channel now, records it in the delivery
// log (never retried) and returns that entry. ErrNotFound when there is
// no such channel.
func (s *Service) Test(ctx context.Context, tenantID, channelID uuid.UUID) (Delivery, error) {
	var name, sealed string
	err := s.pool.QueryRow(ctx, sealedTargetSQL, tenantID, channelID).Scan(&name, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, ErrNotFound
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("look up channel: %w", err)
	}
	m := testMessage(name, s.cfg.Now())
	// The row exists before the attempt (failed until it succeeds), so a
	// hub that dies mid-send leaves no pending test to be sent later.
	var id int64
	if err := s.pool.QueryRow(ctx, insertTestSQL, tenantID, channelID, m.Title, m.Body, s.cfg.Now()).Scan(&id); err != nil {
		return Delivery{}, fmt.Errorf("log test message: %w", err)
	}
	sendErr := s.sendSealed(ctx, channelID, sealed, m)
	if err := s.record(context.WithoutCancel(ctx), id, sendErr, nil); err != nil {
		return Delivery{}, err
	}
	rows, _ := s.pool.Query(ctx, testDeliverySQL, id)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Delivery])
	if err != nil {
		return Delivery{}, fmt.Errorf("read test delivery: %w", err)
	}
	return d, nil
}

const pruneSQL = `DELETE FROM notification_deliveries WHERE status <> 'pending' AND created_at < $1`

// Prune removes finished messages created before before, with their
// outbox rows: the delivery log keeps a bounded window.
func (s *Service) Prune(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, pruneSQL, before)
	if err != nil {
		return 0, fmt.Errorf("prune notification deliveries: %w", err)
	}
	return tag.RowsAffected(), nil
}
