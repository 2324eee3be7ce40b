package alerting

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/store"
)

// RuleStore is the storage the evaluator needs; *store.Store is the real one.
type RuleStore interface {
	EnabledAlertRules(ctx context.Context, after *uuid.UUID, limit int) ([]store.AlertRule, error)
	RuleTargets(ctx context.Context, r store.AlertRule, limit int) ([]store.RuleTarget, error)
	RuleAlerts(ctx context.Context, ruleID uuid.UUID) ([]store.RuleAlert, error)
	OpenRuleAlert(ctx context.Context, r store.AlertRule, agentID uuid.UUID, state, summary string, at time.Time) error
	FireRuleAlert(ctx context.Context, tenantID, alertID uuid.UUID, summary string) error
	CloseRuleAlert(ctx context.Context, tenantID, alertID uuid.UUID, note string) error
}

// Querier reads metrics; *query.Service is the real one.
type Querier interface {
	Range(ctx context.Context, tenantID, agentID uuid.UUID, req query.RangeRequest) (*query.RangeResult, error)
}

// Bounds of one evaluation pass.
const (
	rulesPerPage  = 200
	maxRuleAgents = 10_000
)

// Evaluator runs every enabled alert rule once per Run.
type Evaluator struct {
	st  RuleStore
	q   Querier
	log *slog.Logger
	now func() time.Time
	m   *Metrics
}

// NewEvaluator returns an evaluator; now is the clock (nil: time.Now), m
// counts its work (nil: not counted).
func NewEvaluator(st RuleStore, q Querier, log *slog.Logger, now func() time.Time, m *Metrics) *Evaluator {
	if now == nil {
		now = time.Now
	}
	return &Evaluator{st: st, q: q, log: log.With("component", "alert_rules"), now: now, m: m}
}

// Run evaluates every enabled rule of every tenant. A rule that fails is
// logged and the others still run; the first such error is returned.
func (e *Evaluator) Run(ctx context.Context) error {
	var after *uuid.UUID
	var first error
	for {
		rules, err := e.st.EnabledAlertRules(ctx, after, rulesPerPage)
		if err != nil {
			return err
		}
		for _, r := range rules {
			if err := e.evalRule(ctx, r); err != nil {
				e.m.failure()
				if first == nil {
					first = err
				}
				e.log.Warn("alert rule evaluation failed", "rule", r.ID, "err", err)
			}
		}
		if len(rules) < rulesPerPage {
			return first
		}
		after = &rules[len(rules)-1].ID
	}
}

func (e *Evaluator) evalRule(ctx context.Context, r store.AlertRule) error {
	targets, err := e.st.RuleTargets(ctx, r, maxRuleAgents)
	if err != nil {
		return err
	}
	open, err := e.st.RuleAlerts(ctx, r.ID)
	if err != nil {
		return err
	}
	byAgent := make(map[uuid.UUID]store.RuleAlert, len(open))
	for _, a := range open {
		byAgent[a.AgentID] = a
	}
	now := e.now()
	for _, t := range targets {
		cur, has := byAgent[t.AgentID]
		delete(byAgent, t.AgentID)
		if t.Governance.InMaintenance(now) {
			continue // silenced: nothing changes inside a maintenance window
		}
		value, holds, err := e.value(ctx, r, t.AgentID, now)
		if err != nil {
			return fmt.Errorf("evaluate on agent %s: %w", t.AgentID, err)
		}
		summary := fmt.Sprintf("%s: %s %s is %s (%s %s)", r.Name, r.Agg, r.Metric,
			strconv.FormatFloat(value, 'g', 6, 64), r.Op, strconv.FormatFloat(r.Threshold, 'g', 6, 64))
		if r.Agg == AggPredictLinear {
			summary = fmt.Sprintf("%s: %s in %s is %s by the trend of the last %s (%s %s)", r.Name, r.Metric,
				time.Duration(r.PredictS)*time.Second, strconv.FormatFloat(value, 'g', 6, 64),
				time.Duration(r.WindowS)*time.Second, r.Op, strconv.FormatFloat(r.Threshold, 'g', 6, 64))
		}
		forDur := time.Duration(r.ForS) * time.Second
		entered := ""
		switch {
		case holds && !has:
			entered = store.AlertFiring
			if forDur > 0 {
				entered = store.AlertPending
			}
			err = e.st.OpenRuleAlert(ctx, r, t.AgentID, entered, summary, now)
		case holds && cur.State == store.AlertPending && now.Sub(cur.StartedAt) >= forDur:
			entered = store.AlertFiring
			err = e.st.FireRuleAlert(ctx, r.TenantID, cur.AlertID, summary)
		case !holds && has:
			entered = store.AlertResolved
			err = e.st.CloseRuleAlert(ctx, r.TenantID, cur.AlertID, "condition no longer holds")
		}
		if err != nil {
			return err
		}
		if entered != "" {
			e.m.transition(entered)
		}
	}
	if len(targets) < maxRuleAgents {
		for _, gone := range byAgent {
			if err := e.st.CloseRuleAlert(ctx, r.TenantID, gone.AlertID, "agent left the rule's scope"); err != nil {
				return err
			}
			e.m.transition(store.AlertResolved)
		}
	}
	return nil
}

// value reads the rule's metric on one agent over the last window and
// says whether the condition holds, with the value that decided it.
func (e *Evaluator) value(ctx context.Context, r store.AlertRule, agentID uuid.UUID, now time.Time) (float64, bool, error) {
	req := query.RangeRequest{From: now.Add(-time.Duration(r.WindowS) * time.Second), To: now, Step: time.Minute,
		Metrics: []string{r.Metric}, Agg: readAgg(r.Agg)}
	if r.Match != "" {
		ms, err := query.ParseSelector(r.Match)
		if err != nil {
			return 0, false, fmt.Errorf("parse stored selector: %w", err)
		}
		req.Matchers = ms
	}
	res, err := e.q.Range(ctx, r.TenantID, agentID, req)
	if err != nil {
		return 0, false, err
	}
	var last float64
	for _, s := range res.Series {
		v, ok := combine(r.Agg, s.Points, time.Duration(r.WindowS)*time.Second, now.Add(time.Duration(r.PredictS)*time.Second))
		if !ok {
			continue
		}
		last = v
		if compare(v, r.Op, r.Threshold) {
			return v, true, nil
		}
	}
	return last, false, nil
}
