package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// maxPerMessage bounds the outbox rows one message takes; a larger burst
// becomes several messages, one per pass.
const maxPerMessage = 1000

// waitingChannel is a channel with events waiting to be grouped.
type waitingChannel struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	Window      time.Duration
	Quiet       QuietHours
	FirstWaiter time.Time
}

const waitingSQL = `SELECT c.id, c.tenant_id, c.group_window_s, c.quiet_tz, c.quiet_start, c.quiet_end, min(o.created_at)
FROM notification_outbox o JOIN notification_channels c ON c.id = o.channel_id
WHERE o.delivery_id IS NULL AND c.deleted_at IS NULL AND c.enabled
GROUP BY c.id`

// group turns each channel's waiting events into one message when its
// window has passed and its quiet hours do not hold, and reports how many
// messages it made.
func (s *Service) group(ctx context.Context, now time.Time) (int, error) {
	rows, _ := s.pool.Query(ctx, waitingSQL)
	chans, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (waitingChannel, error) {
		var w waitingChannel
		var secs int32
		err := r.Scan(&w.ID, &w.TenantID, &secs, &w.Quiet.TimeZone, &w.Quiet.Start, &w.Quiet.End, &w.FirstWaiter)
		w.Window = time.Duration(secs) * time.Second
		return w, err
	})
	if err != nil {
		return 0, fmt.Errorf("list waiting channels: %w", err)
	}
	made := 0
	for _, w := range chans {
		if now.Before(w.FirstWaiter.Add(w.Window)) || w.Quiet.Holds(now) {
			continue
		}
		ok, err := s.groupChannel(ctx, w, now)
		if err != nil {
			return made, err
		}
		if ok {
			made++
		}
	}
	return made, nil
}

const waitingEventsSQL = `SELECT o.id, e.state, e.severity, e.summary, e.at, al.source, al.key, a.hostname
FROM notification_outbox o JOIN alert_events e ON e.id = o.event_id JOIN alerts al ON al.id = e.alert_id
LEFT JOIN agents a ON a.id = al.agent_id
WHERE o.channel_id = $1 AND o.delivery_id IS NULL ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED`

const insertDeliverySQL = `INSERT INTO notification_deliveries (tenant_id, channel_id, purpose, events, title, body, next_attempt_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`

const takeEventsSQL = `UPDATE notification_outbox SET delivery_id = $1 WHERE id = ANY ($2)`

func (s *Service) groupChannel(ctx context.Context, w waitingChannel, now time.Time) (bool, error) {
	made := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, waitingEventsSQL, w.ID, maxPerMessage)
		evs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[event])
		if err != nil || len(evs) == 0 {
			return err // another hub took them, or an error
		}
		m := compose(evs)
		var id int64
		if err := tx.QueryRow(ctx, insertDeliverySQL, w.TenantID, w.ID, "alerts", len(evs), m.Title, m.Body, now).Scan(&id); err != nil {
			return err
		}
		ids := make([]int64, len(evs))
		for i, e := range evs {
			ids[i] = e.OutboxID
		}
		if _, err = tx.Exec(ctx, takeEventsSQL, id, ids); err != nil {
			return err
		}
		made = true
		s.cfg.Metrics.took(len(evs)) // counted before commit: a failed commit overcounts, never undercounts
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("group events of channel %s: %w", w.ID, err)
	}
	return made, nil
}
