package notify

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/auth"
)

// Run groups waiting events into messages and sends every message due,
// then returns (the worker calls it every few seconds).
func (s *Service) Run(ctx context.Context) error {
	if _, err := s.group(ctx, s.cfg.Now()); err != nil {
		return err
	}
	for ctx.Err() == nil {
		due, err := s.claim(ctx)
		if err != nil {
			return err
		}
		for _, d := range due {
			s.deliver(ctx, d)
		}
		if len(due) < s.cfg.Batch {
			return nil
		}
	}
	return nil
}

// dueMessage is a claimed message with its channel's sealed target.
type dueMessage struct {
	ID        int64
	ChannelID uuid.UUID
	Kind      string
	Title     string
	Body      string
	Attempts  int32 // before this one
	Sealed    string
}

// claimSQL leases due messages: a hub that dies mid-send leaves them to be
// retried after the lease, and SKIP LOCKED lets several hubs share them.
const claimSQL = `WITH due AS (
  SELECT id FROM notification_deliveries WHERE status = 'pending' AND next_attempt_at <= $3
  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE notification_deliveries d SET next_attempt_at = $3::timestamptz + make_interval(secs => $2::float8)
  FROM due WHERE d.id = due.id RETURNING d.id, d.channel_id, d.title, d.body, d.attempts
)
SELECT c.id, c.channel_id, ch.kind, c.title, c.body, c.attempts, ch.target_sealed
FROM claimed c JOIN notification_channels ch ON ch.id = c.channel_id ORDER BY c.id`

func (s *Service) claim(ctx context.Context) ([]dueMessage, error) {
	lease := 2*s.cfg.Timeout + 10*time.Second
	rows, _ := s.pool.Query(ctx, claimSQL, s.cfg.Batch, lease.Seconds(), s.cfg.Now())
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[dueMessage])
	if err != nil {
		return nil, fmt.Errorf("claim notifications: %w", err)
	}
	return out, nil
}

// deliver makes one attempt at d and records it; a failure is retried on
// the schedule, then given up.
func (s *Service) deliver(ctx context.Context, d dueMessage) {
	err := s.sendSealed(ctx, d.ChannelID, d.Sealed, Message{Title: d.Title, Body: d.Body})
	var next *time.Time
	if err != nil {
		if n := int(d.Attempts); n < len(s.cfg.Schedule) {
			delay := s.cfg.Schedule[n]
			delay += time.Duration((rand.Float64()*0.4 - 0.2) * float64(delay)) // ±20 %
			t := s.cfg.Now().Add(delay)
			next = &t
		}
		s.log.Warn("notification not sent", "delivery", d.ID, "channel", d.ChannelID, "attempt", d.Attempts+1,
			"retry", next != nil, "err", err)
	}
	switch {
	case err == nil:
		s.cfg.Metrics.attempt(d.Kind, "delivered")
	case next != nil:
		s.cfg.Metrics.attempt(d.Kind, "retry")
	default:
		s.cfg.Metrics.attempt(d.Kind, "failed")
	}
	if rerr := s.record(context.WithoutCancel(ctx), d.ID, err, next); rerr != nil {
		s.log.Warn("cannot record notification attempt", "delivery", d.ID, "err", rerr)
	}
}

// sendSealed opens a channel's target and sends m to it.
func (s *Service) sendSealed(ctx context.Context, channelID uuid.UUID, sealed string, m Message) error {
	raw, err := auth.OpenSecret(s.cfg.Key, binding(channelID), sealed)
	if err != nil {
		return fmt.Errorf("cannot open the channel's sealed URL: %w", err)
	}
	t, err := parseTarget(raw, s.cfg.Policy)
	if err != nil {
		return fmt.Errorf("the channel's URL is refused: %w", err)
	}
	return s.send(ctx, t, m)
}

const deliveredSQL = `UPDATE notification_deliveries SET status = 'delivered', attempts = attempts + 1,
  last_attempt_at = $2, last_error = '', delivered_at = $2 WHERE id = $1`

const failedSQL = `UPDATE notification_deliveries SET attempts = attempts + 1, last_attempt_at = $2, last_error = $3,
  status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
  next_attempt_at = COALESCE($4, next_attempt_at) WHERE id = $1`

// record stores an attempt's outcome: sendErr nil delivered it; otherwise
// next is when to retry (nil: failed for good).
func (s *Service) record(ctx context.Context, id int64, sendErr error, next *time.Time) error {
	now := s.cfg.Now()
	var err error
	if sendErr == nil {
		_, err = s.pool.Exec(ctx, deliveredSQL, id, now)
	} else {
		msg := sendErr.Error()
		if len(msg) > 500 {
			msg = strings.ToValidUTF8(msg[:500], "")
		}
		_, err = s.pool.Exec(ctx, failedSQL, id, now, msg, next)
	}
	if err != nil {
		return fmt.Errorf("record notification attempt: %w", err)
	}
	return nil
}
