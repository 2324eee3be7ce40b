package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// AlertRule is a threshold rule on a metric, evaluated per agent of its
// scope: fleet (every agent), agent (one) or tag (agents whose governance
// has the tag).
type AlertRule struct {
	ID         uuid.UUID  `db:"id"`
	TenantID   uuid.UUID  `db:"tenant_id"`
	Name       string     `db:"name"`
	Metric     string     `db:"metric"`
	Match      string     `db:"match"` // label selector, e.g. {mount="/"}; "" matches every series
	Agg        string     `db:"agg"`
	Op         string     `db:"op"`
	Threshold  float64    `db:"threshold"`
	WindowS    int32      `db:"window_s"`
	PredictS   int32      `db:"predict_s"` // agg predict_linear: how far past now the fit is read
	ForS       int32      `db:"for_s"`
	Severity   string     `db:"severity"`
	Scope      string     `db:"scope"`
	ScopeAgent *uuid.UUID `db:"scope_agent"`
	ScopeTag   string     `db:"scope_tag"`
	Enabled    bool       `db:"enabled"`
	Builtin    string     `db:"builtin"` // the default rule it was installed from; "" when written by a person
	CreatedBy  *uuid.UUID `db:"created_by"`
	CreatedAt  time.Time  `db:"created_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
}

const ruleColumns = `id, tenant_id, name, metric, match, agg, op, threshold, window_s, predict_s, for_s, severity, scope,
  scope_agent, scope_tag, enabled, builtin, created_by, created_at, updated_at`

// ruleAgentCheck refuses a scope agent of another tenant (or a retired
// one) as if it did not exist.
const ruleAgentCheck = `($3::uuid IS NULL OR EXISTS (SELECT 1 FROM agents WHERE tenant_id = $2 AND id = $3 AND deleted_at IS NULL))`

const insertRuleSQL = `INSERT INTO alert_rules (id, tenant_id, scope_agent, name, metric, match, agg, op, threshold, window_s,
  for_s, severity, scope, scope_tag, enabled, created_by, predict_s)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17 WHERE ` + ruleAgentCheck + `
RETURNING ` + ruleColumns

// CreateAlertRule stores a validated rule. ErrNotFound: the scope agent is
// not the tenant's.
func (s *Store) CreateAlertRule(ctx context.Context, r AlertRule) (AlertRule, error) {
	rows, _ := s.pool.Query(ctx, insertRuleSQL, newID(), r.TenantID, r.ScopeAgent, r.Name, r.Metric, r.Match, r.Agg, r.Op,
		r.Threshold, r.WindowS, r.ForS, r.Severity, r.Scope, r.ScopeTag, r.Enabled, r.CreatedBy, r.PredictS)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AlertRule])
	if err != nil {
		return AlertRule{}, fmt.Errorf("create alert rule: %w", mapErr(err))
	}
	return out, nil
}

const updateRuleSQL = `UPDATE alert_rules SET scope_agent = $3, name = $4, metric = $5, match = $6, agg = $7, op = $8,
  threshold = $9, window_s = $10, for_s = $11, severity = $12, scope = $13, scope_tag = $14, enabled = $15, predict_s = $16,
  updated_at = now()
WHERE id = $1 AND tenant_id = $2 AND ` + ruleAgentCheck + `
RETURNING ` + ruleColumns

// UpdateAlertRule replaces a rule's definition; its open alerts stay and
// are judged by the new definition at the next evaluation, unless the
// rule is disabled: then they are resolved, as nothing would resolve them.
func (s *Store) UpdateAlertRule(ctx context.Context, r AlertRule) (AlertRule, error) {
	var out AlertRule
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, updateRuleSQL, r.ID, r.TenantID, r.ScopeAgent, r.Name, r.Metric, r.Match, r.Agg, r.Op,
			r.Threshold, r.WindowS, r.ForS, r.Severity, r.Scope, r.ScopeTag, r.Enabled, r.PredictS)
		var err error
		if out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AlertRule]); err != nil {
			return mapErr(err)
		}
		if !r.Enabled {
			if err := closeRuleAlerts(ctx, tx, r.TenantID, r.ID, "alert rule disabled"); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, forgetRuleAlertsSQL, r.ID)
			return err
		}
		return nil
	})
	if err != nil {
		return AlertRule{}, fmt.Errorf("update alert rule: %w", err)
	}
	return out, nil
}

const forgetRuleAlertsSQL = `DELETE FROM alert_rule_states WHERE rule_id = $1`

const ruleSQL = `SELECT ` + ruleColumns + ` FROM alert_rules WHERE tenant_id = $1 AND id = $2`

// AlertRule returns one rule of the tenant.
func (s *Store) AlertRule(ctx context.Context, tenantID, id uuid.UUID) (AlertRule, error) {
	rows, _ := s.pool.Query(ctx, ruleSQL, tenantID, id)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AlertRule])
	if err != nil {
		return AlertRule{}, fmt.Errorf("get alert rule: %w", mapErr(err))
	}
	return out, nil
}

const listRulesSQL = `SELECT ` + ruleColumns + ` FROM alert_rules
WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`

// AlertRules lists a tenant's rules in creation order.
func (s *Store) AlertRules(ctx context.Context, tenantID uuid.UUID, after *uuid.UUID, limit int) ([]AlertRule, error) {
	rows, _ := s.pool.Query(ctx, listRulesSQL, tenantID, after, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AlertRule])
	if err != nil {
		return nil, fmt.Errorf("list alert rules: %w", err)
	}
	return out, nil
}

const deleteRuleSQL = `DELETE FROM alert_rules WHERE tenant_id = $1 AND id = $2`

// DeleteAlertRule removes a rule and resolves its open alerts.
func (s *Store) DeleteAlertRule(ctx context.Context, tenantID, id uuid.UUID) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := closeRuleAlerts(ctx, tx, tenantID, id, "alert rule deleted"); err != nil {
			return err
		}
		return execOne(ctx, tx, ErrNotFound, "delete rule row", deleteRuleSQL, tenantID, id)
	})
	if err != nil {
		return fmt.Errorf("delete alert rule: %w", err)
	}
	return nil
}
