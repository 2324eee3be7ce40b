package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Every move of an alert between pending, firing and resolved is written
// by this file, each with its alert_events row in the same statement or
// transaction: the event row is what the webhook outbox trigger fans out,
// so a transition written anywhere else would reach no webhook. Sources:
//
//   - keyed alerts, raised and resolved by a key per agent: agents in their
//     ingest batches (SourceAgent, inside the flush's transaction), the
//     silent-agent check (SourceSystem), and every later source (compliance,
//     CVEs, honeypots, integrity) through RaiseAlert and ResolveAlertKey;
//   - alerts about the hub itself, on no agent, raised in every tenant
//     (RaiseHubAlert, ResolveHubAlert: the database's disk filling up);
//   - alert rules, which also pass through pending (OpenRuleAlert …);
//   - a person resolving by hand (ResolveAlert).
//
// Keys are one namespace per agent across sources (the unique index on
// firing alerts is tenant, agent, key): a source prefixes its keys, as
// rules do with "rule:<id>". The alerts table accepts the sources agent,
// rule and system (a CHECK constraint): a new source name needs a
// migration that widens it.

// KeyedAlert is a firing alert a source raises by key on an agent.
type KeyedAlert struct {
	TenantID uuid.UUID
	AgentID  uuid.UUID
	Source   string // SourceAgent, SourceSystem, …
	Key      string
	Severity string // info, warning or critical
	Summary  string
}

// raiseKeyedSQL opens a firing alert, or refreshes the one firing with
// the same key (severity, summary, last seen) without a new event.
const raiseKeyedSQL = `WITH up AS (
  INSERT INTO alerts (id, tenant_id, agent_id, source, key, severity, summary, state)
  VALUES ($1, $2, $3, $4, $5, $6, $7, 'firing')
  ON CONFLICT (tenant_id, agent_id, key) WHERE state = 'firing'
  DO UPDATE SET severity = EXCLUDED.severity, summary = EXCLUDED.summary, last_seen_at = now()
  RETURNING id, (xmax = 0) AS opened
)
INSERT INTO alert_events (tenant_id, alert_id, state, severity, summary)
SELECT $2, id, 'firing', $6, $7 FROM up WHERE opened`

const resolveKeyedSQL = `WITH closed AS (
  UPDATE alerts SET state = 'resolved', resolved_at = now(), last_seen_at = now(), resolve_note = $4
  WHERE tenant_id = $1 AND agent_id = $2 AND key = $3 AND state = 'firing'
  RETURNING id, severity, summary
)
INSERT INTO alert_events (tenant_id, alert_id, state, severity, summary)
SELECT $1, id, 'resolved', severity, summary FROM closed`

func raiseKeyedArgs(a KeyedAlert) []any {
	return []any{newID(), a.TenantID, a.AgentID, a.Source, a.Key, a.Severity, a.Summary}
}

// RaiseAlert fires a keyed alert in tx, and reports whether it opened a
// new one (false: the same key was firing already and was refreshed).
func (s *Store) RaiseAlert(ctx context.Context, tx pgx.Tx, a KeyedAlert) (bool, error) {
	return raiseKeyed(ctx, tx, a)
}

func raiseKeyed(ctx context.Context, q execer, a KeyedAlert) (bool, error) {
	tag, err := q.Exec(ctx, raiseKeyedSQL, raiseKeyedArgs(a)...)
	if err != nil {
		return false, fmt.Errorf("raise alert %s: %w", a.Key, err)
	}
	return tag.RowsAffected() > 0, nil
}

// ResolveAlertKey resolves in tx the firing alert with key on the agent,
// if there is one, with note, and reports whether there was.
func (s *Store) ResolveAlertKey(ctx context.Context, tx pgx.Tx, tenantID, agentID uuid.UUID, key, note string) (bool, error) {
	tag, err := tx.Exec(ctx, resolveKeyedSQL, tenantID, agentID, key, note)
	if err != nil {
		return false, fmt.Errorf("resolve alert %s: %w", key, err)
	}
	return tag.RowsAffected() > 0, nil
}

// resolveHubSQL resolves a hub alert (no agent) in every tenant.
const resolveHubSQL = `WITH closed AS (
  UPDATE alerts SET state = 'resolved', resolved_at = now(), last_seen_at = now(), resolve_note = $2
  WHERE agent_id IS NULL AND source = 'system' AND key = $1 AND state = 'firing'
  RETURNING id, tenant_id, severity, summary
)
INSERT INTO alert_events (tenant_id, alert_id, state, severity, summary) SELECT tenant_id, id, 'resolved', severity, summary FROM closed`

// RaiseHubAlert fires (or refreshes) a system alert about the hub itself,
// on no agent, in every tenant: whoever runs a tenant sees the hub's
// trouble. It reports how many tenants got a new alert.
func (s *Store) RaiseHubAlert(ctx context.Context, key, severity, summary string) (int, error) {
	opened := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT id FROM tenants`)
		tenants, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		for _, t := range tenants {
			tag, err := tx.Exec(ctx, raiseKeyedSQL, newID(), t, nil, SourceSystem, key, severity, summary)
			if err != nil {
				return err
			}
			opened += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("raise hub alert %s: %w", key, err)
	}
	return opened, nil
}

// ResolveHubAlert resolves the hub alert with key in every tenant, with
// note, and reports how many were firing.
func (s *Store) ResolveHubAlert(ctx context.Context, key, note string) (int, error) {
	tag, err := s.pool.Exec(ctx, resolveHubSQL, key, note)
	if err != nil {
		return 0, fmt.Errorf("resolve hub alert %s: %w", key, err)
	}
	return int(tag.RowsAffected()), nil
}

// queueRaise and queueResolve add the same transitions to a batch of
// statements (the ingest flush sends one batch per transaction).
func queueRaise(b *pgx.Batch, a KeyedAlert) { b.Queue(raiseKeyedSQL, raiseKeyedArgs(a)...) }

func queueResolve(b *pgx.Batch, tenantID, agentID uuid.UUID, key string) {
	b.Queue(resolveKeyedSQL, tenantID, agentID, key, "")
}

// recoverSilentSQL resolves the silent alert of every agent heard from
// again (or retired since), and of every agent whose tenant disabled its
// silent rule.
const recoverSilentSQL = `WITH closed AS (
  UPDATE alerts al SET state = 'resolved', resolved_at = now(), last_seen_at = now(),
    resolve_note = CASE WHEN ` + silentOn + ` THEN 'agent reported again' ELSE 'host silent rule disabled' END
  FROM agents a ` + silentRuleJoin + `
  WHERE al.key = '` + SilentAlertKey + `' AND al.source = 'system' AND al.state = 'firing' AND a.id = al.agent_id
    AND (a.deleted_at IS NOT NULL OR NOT ` + silentOn + ` OR NOT (` + silentExpr + `))
  RETURNING al.id, al.tenant_id, al.severity, al.summary
)
INSERT INTO alert_events (tenant_id, alert_id, state, severity, summary) SELECT tenant_id, id, 'resolved', severity, summary FROM closed`

const insertAlertEventSQL = `INSERT INTO alert_events (tenant_id, alert_id, state, severity, summary) VALUES ($1, $2, $3, $4, $5)`

const openRuleAlertSQL = `INSERT INTO alerts (id, tenant_id, agent_id, source, key, severity, summary, state, started_at, last_seen_at)
VALUES ($1, $2, $3, 'rule', $4, $5, $6, $7, $8, $8)`

const insertRuleStateSQL = `INSERT INTO alert_rule_states (rule_id, agent_id, alert_id) VALUES ($1, $2, $3)`

// OpenRuleAlert raises a rule's alert on an agent in state (pending, or
// firing when the rule has no for-duration).
func (s *Store) OpenRuleAlert(ctx context.Context, r AlertRule, agentID uuid.UUID, state, summary string, at time.Time) error {
	id := newID()
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, openRuleAlertSQL, id, r.TenantID, agentID, "rule:"+r.ID.String(), r.Severity, summary, state, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertRuleStateSQL, r.ID, agentID, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, insertAlertEventSQL, r.TenantID, id, state, r.Severity, summary)
		return err
	})
	if err != nil {
		return fmt.Errorf("open rule alert: %w", mapErr(err))
	}
	return nil
}

const fireRuleAlertSQL = `UPDATE alerts SET state = 'firing', summary = $3, last_seen_at = now()
WHERE tenant_id = $1 AND id = $2 AND state = 'pending' RETURNING severity`

// FireRuleAlert turns a pending rule alert into a firing one.
func (s *Store) FireRuleAlert(ctx context.Context, tenantID, alertID uuid.UUID, summary string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var severity string
		if err := tx.QueryRow(ctx, fireRuleAlertSQL, tenantID, alertID, summary).Scan(&severity); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, insertAlertEventSQL, tenantID, alertID, AlertFiring, severity, summary)
		return err
	})
	if err != nil {
		return fmt.Errorf("fire rule alert: %w", mapErr(err))
	}
	return nil
}

const closeRuleAlertSQL = `UPDATE alerts SET state = 'resolved', resolved_at = now(), last_seen_at = now(), resolve_note = $3
WHERE tenant_id = $1 AND id = $2 AND state <> 'resolved' RETURNING severity, summary`

// forgetRuleStateSQL lets the rule that raised a resolved alert raise a
// new one when its condition holds again.
const forgetRuleStateSQL = `DELETE FROM alert_rule_states WHERE alert_id = $1`

// CloseRuleAlert resolves a rule's alert whose condition no longer holds.
func (s *Store) CloseRuleAlert(ctx context.Context, tenantID, alertID uuid.UUID, note string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var severity, summary string
		err := tx.QueryRow(ctx, closeRuleAlertSQL, tenantID, alertID, note).Scan(&severity, &summary)
		if err == nil {
			if _, err := tx.Exec(ctx, insertAlertEventSQL, tenantID, alertID, AlertResolved, severity, summary); err != nil {
				return err
			}
		} else if err != pgx.ErrNoRows {
			return err
		}
		_, err = tx.Exec(ctx, forgetRuleStateSQL, alertID)
		return err
	})
	if err != nil {
		return fmt.Errorf("close rule alert: %w", err)
	}
	return nil
}

// closeRuleAlertsSQL resolves every open alert of a rule being deleted or
// disabled, so that no alert stays firing without anything to resolve it.
const closeRuleAlertsSQL = `WITH closed AS (
  UPDATE alerts al SET state = 'resolved', resolved_at = now(), resolve_note = $3
  FROM alert_rule_states st WHERE st.rule_id = $2 AND al.id = st.alert_id AND al.tenant_id = $1 AND al.state <> 'resolved'
  RETURNING al.id, al.severity, al.summary
)
INSERT INTO alert_events (tenant_id, alert_id, state, severity, summary) SELECT $1, id, 'resolved', severity, summary FROM closed`

// closeRuleAlerts resolves in tx every open alert of the rule, with note.
func closeRuleAlerts(ctx context.Context, tx pgx.Tx, tenantID, ruleID uuid.UUID, note string) error {
	_, err := tx.Exec(ctx, closeRuleAlertsSQL, tenantID, ruleID, note)
	return err
}

const resolveByHandSQL = `UPDATE alerts SET state = 'resolved', resolved_at = now(), resolved_by = $3, resolve_note = $4
WHERE tenant_id = $1 AND id = $2 AND state <> 'resolved'
RETURNING severity, summary`

const alertExistsSQL = `SELECT EXISTS (SELECT 1 FROM alerts WHERE tenant_id = $1 AND id = $2)`

// resolveByHand closes an open alert in tx for a person: who and why are
// kept, and a rule that raised it may raise a new one.
// ErrAlreadyResolved or ErrNotFound when it is not open.
func resolveByHand(ctx context.Context, tx pgx.Tx, tenantID, id, userID uuid.UUID, note string) error {
	var severity, summary string
	err := tx.QueryRow(ctx, resolveByHandSQL, tenantID, id, userID, note).Scan(&severity, &summary)
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		if err := tx.QueryRow(ctx, alertExistsSQL, tenantID, id).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return ErrAlreadyResolved
		}
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, insertAlertEventSQL, tenantID, id, AlertResolved, severity, summary); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, forgetRuleStateSQL, id)
	return err
}

// raiseTenantSQL opens a tenant-wide firing alert (no agent), or
// refreshes the one firing with the same key without a new event.
const raiseTenantSQL = `WITH up AS (
  INSERT INTO alerts (id, tenant_id, agent_id, source, key, severity, summary, state)
  VALUES ($1, $2, NULL, 'system', $3, $4, $5, 'firing')
  ON CONFLICT (tenant_id, agent_id, key) WHERE state = 'firing'
  DO UPDATE SET severity = EXCLUDED.severity, summary = EXCLUDED.summary, last_seen_at = now()
  RETURNING id, (xmax = 0) AS opened
)
INSERT INTO alert_events (tenant_id, alert_id, state, severity, summary)
SELECT $2, id, 'firing', $4, $5 FROM up WHERE opened`

// raiseForEveryTenant raises one tenant-wide system alert in each tenant.
func raiseForEveryTenant(ctx context.Context, tx pgx.Tx, key, severity, summary string) error {
	rows, _ := tx.Query(ctx, `SELECT id FROM tenants ORDER BY id`)
	tenants, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	for _, t := range tenants {
		if _, err := tx.Exec(ctx, raiseTenantSQL, newID(), t, key, severity, summary); err != nil {
			return fmt.Errorf("raise %s alert: %w", key, err)
		}
	}
	return nil
}
