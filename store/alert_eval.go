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
// agents and what each rule has open. The transitions it makes are in
// alert_transitions.go.

const enabledRulesSQL = `SELECT ` + ruleColumns + ` FROM alert_rules
WHERE enabled AND agg <> '` + SilentRuleAgg + `' AND ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`

// EnabledAlertRules lists enabled rules of every tenant, by id, a page at
// a time (after the given id). Silent rules are left out: the silent check
// reads them itself (SweepSilentAgents).
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
