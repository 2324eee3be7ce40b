package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
)

const channelColumns = `id, tenant_id, name, kind, target_shown, severities, sources, tags, environments,
  quiet_tz, quiet_start, quiet_end, group_window_s, enabled, created_at, updated_at`

func scanChannel(row pgx.CollectableRow) (Channel, error) {
	var c Channel
	var window int32
	err := row.Scan(&c.ID, &c.TenantID, &c.Name, &c.Kind, &c.Shown, &c.Routing.Severities, &c.Routing.Sources,
		&c.Routing.Tags, &c.Routing.Environments, &c.Quiet.TimeZone, &c.Quiet.Start, &c.Quiet.End, &window,
		&c.Enabled, &c.CreatedAt, &c.UpdatedAt)
	c.GroupWindow = time.Duration(window) * time.Second
	return c, err
}

// binding ties a sealed target to its channel.
func binding(id uuid.UUID) string { return "notification-channel|" + id.String() }

const insertChannelSQL = `INSERT INTO notification_channels (id, tenant_id, name, kind, target_sealed, target_shown,
  severities, sources, tags, environments, quiet_tz, quiet_start, quiet_end, group_window_s, enabled, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING ` + channelColumns

// Create validates in, seals its target and stores the channel, with ev
// (its target filled in here) in the same transaction. FieldErrors when a
// setting is refused.
func (s *Service) Create(ctx context.Context, tenantID uuid.UUID, in Input, createdBy *uuid.UUID, ev audit.Event) (Channel, error) {
	errs := in.check()
	t, err := parseTarget(in.Target, s.cfg.Policy)
	if err == nil {
		err = t.checkWithLibrary()
	}
	if err != nil {
		errs = append(errs, FieldError{"url", err.Error()})
	}
	if len(errs) > 0 {
		return Channel{}, errs
	}
	id := uuid.Must(uuid.NewV7())
	sealed, err := auth.SealSecret(s.cfg.Key, binding(id), t.raw)
	if err != nil {
		return Channel{}, fmt.Errorf("seal channel target: %w", err)
	}
	var c Channel
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, insertChannelSQL, id, tenantID, in.Name, t.kind, sealed, t.shown(),
			nonNil(in.Routing.Severities), nonNil(in.Routing.Sources), nonNil(in.Routing.Tags), nonNil(in.Routing.Environments),
			in.Quiet.TimeZone, in.Quiet.Start, in.Quiet.End, int32(in.GroupWindow/time.Second), in.Enabled, createdBy)
		var err error
		if c, err = pgx.CollectExactlyOneRow(rows, scanChannel); err != nil {
			return fmt.Errorf("insert channel: %w", err)
		}
		ev.TargetType, ev.TargetID = "notification_channel", id.String()
		ev.Details = map[string]any{"name": in.Name, "kind": t.kind, "target": t.shown()}
		return audit.Record(ctx, tx, ev)
	})
	if err != nil {
		return Channel{}, fmt.Errorf("create channel: %w", err)
	}
	return c, nil
}

const listChannelsSQL = `SELECT ` + channelColumns + ` FROM notification_channels
WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`

// Channels lists a tenant's channels in creation order, after the id
// after when given.
func (s *Service) Channels(ctx context.Context, tenantID uuid.UUID, after *uuid.UUID, limit int) ([]Channel, error) {
	rows, _ := s.pool.Query(ctx, listChannelsSQL, tenantID, after, limit)
	out, err := pgx.CollectRows(rows, scanChannel)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return out, nil
}

const getChannelSQL = `SELECT ` + channelColumns + ` FROM notification_channels
WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`

// Channel is one of the tenant's channels; ErrNotFound when there is none.
func (s *Service) Channel(ctx context.Context, tenantID, id uuid.UUID) (Channel, error) {
	rows, _ := s.pool.Query(ctx, getChannelSQL, tenantID, id)
	c, err := pgx.CollectExactlyOneRow(rows, scanChannel)
	if errors.Is(err, pgx.ErrNoRows) {
		return Channel{}, ErrNotFound
	}
	if err != nil {
		return Channel{}, fmt.Errorf("get channel: %w", err)
	}
	return c, nil
}

const lockChannelSQL = `SELECT ` + channelColumns + `, target_sealed FROM notification_channels
WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`

const updateChannelSQL = `UPDATE notification_channels SET name = $3, kind = $4, target_sealed = $5, target_shown = $6,
  severities = $7, sources = $8, tags = $9, environments = $10, quiet_tz = $11, quiet_start = $12, quiet_end = $13,
  group_window_s = $14, enabled = $15, updated_at = now()
WHERE tenant_id = $1 AND id = $2 RETURNING ` + channelColumns

// Update applies p to a channel, with ev in the same transaction; a new
// target is sealed anew. FieldErrors or ErrNotFound.
func (s *Service) Update(ctx context.Context, tenantID, id uuid.UUID, p Patch, ev audit.Event) (Channel, error) {
	var out Channel
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var cur Channel
		var window int32
		var sealed string
		err := tx.QueryRow(ctx, lockChannelSQL, tenantID, id).Scan(&cur.ID, &cur.TenantID, &cur.Name, &cur.Kind, &cur.Shown,
			&cur.Routing.Severities, &cur.Routing.Sources, &cur.Routing.Tags, &cur.Routing.Environments, &cur.Quiet.TimeZone,
			&cur.Quiet.Start, &cur.Quiet.End, &window, &cur.Enabled, &cur.CreatedAt, &cur.UpdatedAt, &sealed)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock channel: %w", err)
		}
		in := Input{Name: cur.Name, Routing: cur.Routing, Quiet: cur.Quiet, GroupWindow: time.Duration(window) * time.Second,
			Enabled: cur.Enabled}.apply(p)
		errs := in.check()
		kind, shown := cur.Kind, cur.Shown
		if p.Target != nil {
			t, err := parseTarget(*p.Target, s.cfg.Policy)
			if err == nil {
				err = t.checkWithLibrary()
			}
			if err != nil {
				errs = append(errs, FieldError{"url", err.Error()})
			} else if sealed, err = auth.SealSecret(s.cfg.Key, binding(id), t.raw); err != nil {
				return fmt.Errorf("seal channel target: %w", err)
			}
			kind, shown = t.kind, t.shown()
		}
		if len(errs) > 0 {
			return errs
		}
		rows, _ := tx.Query(ctx, updateChannelSQL, tenantID, id, in.Name, kind, sealed, shown,
			nonNil(in.Routing.Severities), nonNil(in.Routing.Sources), nonNil(in.Routing.Tags), nonNil(in.Routing.Environments),
			in.Quiet.TimeZone, in.Quiet.Start, in.Quiet.End, int32(in.GroupWindow/time.Second), in.Enabled)
		if out, err = pgx.CollectExactlyOneRow(rows, scanChannel); err != nil {
			return fmt.Errorf("update channel: %w", err)
		}
		ev.TargetType, ev.TargetID = "notification_channel", id.String()
		ev.Details = map[string]any{"name": in.Name, "kind": kind, "target": shown, "target_changed": p.Target != nil}
		return audit.Record(ctx, tx, ev)
	})
	if err != nil {
		return Channel{}, fmt.Errorf("update channel: %w", err)
	}
	return out, nil
}

const deleteChannelSQL = `UPDATE notification_channels SET deleted_at = now(), enabled = false
WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`

const dropWaitingSQL = `DELETE FROM notification_outbox WHERE channel_id = $1 AND delivery_id IS NULL`

const failPendingSQL = `UPDATE notification_deliveries SET status = 'failed', last_error = 'channel deleted'
WHERE channel_id = $1 AND status = 'pending'`

// Delete stops a channel at once (waiting events dropped, pending messages
// failed), with ev in the same transaction. Its delivery log stays for
// the record. ErrNotFound when there is no such channel.
func (s *Service) Delete(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, deleteChannelSQL, tenantID, id)
		if err != nil {
			return fmt.Errorf("delete channel row: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, dropWaitingSQL, id); err != nil {
			return fmt.Errorf("drop waiting events: %w", err)
		}
		if _, err := tx.Exec(ctx, failPendingSQL, id); err != nil {
			return fmt.Errorf("fail pending messages: %w", err)
		}
		ev.TargetType, ev.TargetID = "notification_channel", id.String()
		return audit.Record(ctx, tx, ev)
	})
	if err != nil {
		return fmt.Errorf("delete channel: %w", err)
	}
	return nil
}
