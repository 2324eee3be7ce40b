package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// DefaultAlertRules are the rules every tenant starts with (README,
// "Default rules"), each on the whole fleet and keyed by Builtin. They are
// ordinary rules once installed: editable, disable-able and deletable;
// installing the defaults again adds only the keys a tenant lacks. They
// read series the agent sends (agent/collect, agent/self.go); "for N
// minutes" is the rule's for-duration over the 5-minute average, as
// Prometheus' "for:" (pending first, firing once it held that long).
// Host silent (agg silent) is read by the silent-agent check rather than
// the rule evaluator: its threshold is the allowance in reporting
// intervals (alerting/doc.go).
func DefaultAlertRules() []AlertRule {
	const minute, hour = 60, 3600
	// held: the 5-minute average crossed the line and stayed across for forS.
	held := func(builtin, name, metric, match string, threshold float64, forS int32, severity string) AlertRule {
		return AlertRule{Builtin: builtin, Name: name, Metric: metric, Match: match, Agg: "avg", Op: ">=", Threshold: threshold,
			WindowS: 5 * minute, ForS: forS, Severity: severity, Scope: "fleet", Enabled: true}
	}
	return []AlertRule{
		{Builtin: "host_silent", Name: "Host silent", Agg: SilentRuleAgg, Op: ">=", Threshold: 3,
			WindowS: 5 * minute, Severity: "warning", Scope: "fleet", Enabled: true},
		held("filesystem_used", "Filesystem at least 90 % used for 5 m", "filesystem_used_ratio", "", 0.9, 5*minute, "warning"),
		{Builtin: "filesystem_full_in_24h", Name: "Filesystem predicted full within 24 h", Metric: "filesystem_avail_bytes",
			Agg: "predict_linear", Op: "<=", Threshold: 0, WindowS: 6 * hour, PredictS: 24 * hour, Severity: "warning",
			Scope: "fleet", Enabled: true},
		held("memory_low", "Memory available at most 5 % for 5 m", "memory_used_ratio", "", 0.95, 5*minute, "critical"),
		held("load_high", "Load per CPU at least 2 for 15 m", "load5_per_cpu", "", 2, 15*minute, "warning"),
		held("cpu_high", "CPU at least 95 % busy for 15 m", "cpu_usage_ratio", `{cpu="all"}`, 0.95, 15*minute, "warning"),
		held("swap_used", "Swap at least 80 % in use for 5 m", "swap_used_ratio", "", 0.8, 5*minute, "warning"),
		held("inodes_used", "Filesystem inodes at least 90 % used for 5 m", "filesystem_files_used_ratio", "", 0.9, 5*minute, "warning"),
		{Builtin: "spool_dropping", Name: "Agent spool dropping batches", Metric: "monsys_agent_spool_dropped_batches_total",
			Agg: "increase", Op: ">", Threshold: 0, WindowS: 15 * minute, Severity: "critical", Scope: "fleet", Enabled: true},
	}
}

const insertDefaultRuleSQL = `INSERT INTO alert_rules (id, tenant_id, name, metric, match, agg, op, threshold, window_s, predict_s,
  for_s, severity, scope, enabled, builtin)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (tenant_id, builtin) WHERE builtin <> '' DO NOTHING`

// installDefaultRules adds in tx the default rules the tenant lacks and
// reports how many it added.
func installDefaultRules(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID) (int, error) {
	n := 0
	for _, r := range DefaultAlertRules() {
		tag, err := tx.Exec(ctx, insertDefaultRuleSQL, newID(), tenantID, r.Name, r.Metric, r.Match, r.Agg, r.Op, r.Threshold,
			r.WindowS, r.PredictS, r.ForS, r.Severity, r.Scope, r.Enabled, r.Builtin)
		if err != nil {
			return n, fmt.Errorf("install default rule %s: %w", r.Builtin, err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}

// InstallDefaultRules adds the default rules the tenant lacks (one it
// deleted comes back; one it edited or disabled is left as it is) and
// reports how many it added.
func (s *Store) InstallDefaultRules(ctx context.Context, tenantID uuid.UUID) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		n, err = installDefaultRules(ctx, tx, tenantID)
		return err
	})
	return n, err
}

const offeredTenantsSQL = `SELECT id FROM tenants WHERE default_rules_offered ORDER BY id FOR UPDATE SKIP LOCKED`

const withdrawOfferSQL = `UPDATE tenants SET default_rules_offered = false WHERE id = $1`

// SettleDefaultRulesOffer answers the offer migration 0012 made to the
// tenants that existed before it: install adds the default rules to each
// of them, !install declines; either way the offer is withdrawn, so it is
// settled once. It reports how many tenants it settled.
func (s *Store) SettleDefaultRulesOffer(ctx context.Context, install bool) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, offeredTenantsSQL)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if install {
				if _, err := installDefaultRules(ctx, tx, id); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, withdrawOfferSQL, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("settle the default rules offer: %w", err)
	}
	return n, nil
}
