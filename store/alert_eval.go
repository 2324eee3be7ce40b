package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/governance"
)

// The alert rule worker's storage: which rules to evaluate, on which
// agents, what each rule has open, and the transitions it makes. Every
// transition writes its alert event in the same transaction.

const enabledRulesSQL = `SELECT ` + ruleColumns + ` FROM alert_rules WHERE enabled AND ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`

// EnabledAlertRules lists enabled rules of every tenant, by id, a page at
// a time (after the given id).
func (s *Store) EnabledAlertRules(ctx context.Context, after *uuid.UUID, limit int) ([]AlertRule, error) {
	rows, _ := s.pool.Query(ctx, enabledRulesSQL, after, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AlertRule])
	if err != nil {
		return nil, fmt.Errorf("list enabled alert rules: %w", err)
	}
	return out, nil
}

// RuleTarget is an agent a rule applies to, with its governance (for
// maintenance windows).
type RuleTarget struct {
	AgentID    uuid.UUID
	Hostname   string
	Governance governance.Record
}

const ruleTargetsSQL = `SELECT a.id, a.hostname, a.governance FROM agents a
WHERE a.tenant_id = $1 AND a.deleted_at IS NULL AND a.last_seen_at IS NOT NULL
  AND ($2::uuid IS NULL OR a.id = $2)
  AND ($3 = '' OR a.governance -> 'tags' ? $3)
ORDER BY a.id LIMIT $4`

// RuleTargets lists the live agents in the rule's scope, at most limit.
func (s *Store) RuleTargets(ctx context.Context, r AlertRule, limit int) ([]RuleTarget, error) {
	var agent *uuid.UUID
	tag := ""
	switch r.Scope {
	case "agent":
		agent = r.ScopeAgent
		if agent == nil {
			return nil, nil
		}
	case "tag":
		tag = r.ScopeTag
	}
	rows, err := s.pool.Query(ctx, ruleTargetsSQL, r.TenantID, agent, tag, limit)
	if err != nil {
		return nil, fmt.Errorf("list rule targets: %w", err)
	}
	defer rows.Close()
	var out []RuleTarget
	for rows.Next() {
		var t RuleTarget
		var raw []byte
		if err := rows.Scan(&t.AgentID, &t.Hostname, &raw); err != nil {
			return nil, fmt.Errorf("scan rule target: %w", err)
		}
		if t.Governance, err = decodeGovernance(raw); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list rule targets: %w", err)
	}
	return out, nil
}

// RuleAlert is an open (pending or firing) alert of a rule on one agent.
type RuleAlert struct {
	AgentID   uuid.UUID `db:"agent_id"`
	AlertID   uuid.UUID `db:"alert_id"`
	State     string    `db:"state"`
	StartedAt time.Time `db:"started_at"`
}

const ruleAlertsSQL = `SELECT st.agent_id, st.alert_id, al.state, al.started_at
FROM alert_rule_states st JOIN alerts al ON al.id = st.alert_id WHERE st.rule_id = $1`

// RuleAlerts lists the rule's open alerts.
func (s *Store) RuleAlerts(ctx context.Context, ruleID uuid.UUID) ([]RuleAlert, error) {
	rows, _ := s.pool.Query(ctx, ruleAlertsSQL, ruleID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[RuleAlert])
	if err != nil {
		return nil, fmt.Errorf("list rule alerts: %w", err)
	}
	return out, nil
}

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
