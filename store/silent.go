package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The silent check's transitions (raiseKeyed, recoverSilentSQL) are in
// alert_transitions.go.

// SilentAlertKey is the key of the system alert an agent gets while it is
// silent.
const SilentAlertKey = "agent_silent"

// SilentRuleAgg is the agg of a host-silent rule (alerting.AggSilent):
// threshold is the allowance in the agent's reporting intervals.
const SilentRuleAgg = "silent"

// silentRuleJoin finds agent a's tenant's silent rule as sr: the enabled
// one with the smallest allowance, else a disabled one; no row when the
// tenant has no silent rule (then the hub-wide allowance, $1, applies).
const silentRuleJoin = `LEFT JOIN LATERAL (SELECT r.threshold, r.severity, r.enabled FROM alert_rules r
  WHERE r.tenant_id = a.tenant_id AND r.agg = '` + SilentRuleAgg + `' ORDER BY r.enabled DESC, r.threshold LIMIT 1) sr ON true`

// silentAllowance is the allowance in intervals: the tenant's rule's, or $1.
const silentAllowance = `coalesce(sr.threshold, $1::float8)`

// silentOn holds unless the tenant's silent rules are all disabled.
const silentOn = `coalesce(sr.enabled, true)`

// silentExpr holds for an agent that reported once and not within its
// allowance of expected intervals (its heartbeat interval_s).
// recoverSilentSQL resolves an alert when it stops holding: the agent
// reported.
const silentExpr = `a.last_seen_at IS NOT NULL AND a.last_seen_at < now() - make_interval(secs => a.heartbeat_interval_s * ` + silentAllowance + `)`

// newlySilentExpr is silentExpr counting only time the hub was up: the
// hub's current up time (hub_liveness.up_since: a hub start, or the end of
// an outage) must also be older than the allowance, or than $3 seconds
// when that is longer (agents back off up to a minute between retries, so
// after an outage one may take that long to come back). After a restart
// or a database outage every agent thus gets its full allowance again.
const newlySilentExpr = silentExpr + `
  AND coalesce((SELECT up_since FROM hub_liveness WHERE id), '-infinity')
      < now() - greatest(make_interval(secs => a.heartbeat_interval_s * ` + silentAllowance + `), make_interval(secs => $3::float8))`

const newlySilentSQL = `SELECT a.id, a.tenant_id, a.hostname, a.last_seen_at, coalesce(sr.severity, 'warning') FROM agents a
` + silentRuleJoin + `
WHERE a.deleted_at IS NULL AND ` + silentOn + ` AND ` + newlySilentExpr + `
  AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.tenant_id = a.tenant_id AND al.agent_id = a.id
                  AND al.key = '` + SilentAlertKey + `' AND al.state = 'firing')
ORDER BY a.last_seen_at LIMIT $2`

// SilentSweep is what one pass of the silent-agent check changed.
type SilentSweep struct {
	Raised, Recovered int
}

// SweepSilentAgents raises a system alert for each agent silent for more
// than its allowance × its expected interval (at most limit per pass)
// while the hub was up (for at least grace since it came up), and resolves
// the alert of every agent that reported again. The allowance and the
// alert's severity are the tenant's silent rule's (the default rule
// host_silent); a tenant whose silent rules are all disabled gets no
// silent alerts (and open ones resolve); one without any uses intervals.
func (s *Store) SweepSilentAgents(ctx context.Context, intervals float64, grace time.Duration, limit int) (SilentSweep, error) {
	var out SilentSweep
	tag, err := s.pool.Exec(ctx, recoverSilentSQL, intervals)
	if err != nil {
		return out, fmt.Errorf("recover silent agents: %w", err)
	}
	out.Recovered = int(tag.RowsAffected())
	rows, err := s.pool.Query(ctx, newlySilentSQL, intervals, limit, grace.Seconds())
	if err != nil {
		return out, fmt.Errorf("find silent agents: %w", err)
	}
	type silent struct {
		id, tenant uuid.UUID
		host       string
		seen       time.Time
		severity   string
	}
	var found []silent
	for rows.Next() {
		var a silent
		if err := rows.Scan(&a.id, &a.tenant, &a.host, &a.seen, &a.severity); err != nil {
			rows.Close()
			return out, fmt.Errorf("scan silent agent: %w", err)
		}
		found = append(found, a)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("find silent agents: %w", err)
	}
	for _, a := range found {
		opened, err := raiseKeyed(ctx, s.pool, KeyedAlert{TenantID: a.tenant, AgentID: a.id, Source: SourceSystem,
			Key: SilentAlertKey, Severity: a.severity,
			Summary: fmt.Sprintf("%s has not reported since %s", a.host, a.seen.UTC().Format(time.RFC3339))})
		if err != nil {
			return out, fmt.Errorf("raise silent alert: %w", err)
		}
		if opened {
			out.Raised++
		}
	}
	return out, nil
}

// SilentAgent is an agent the silent check flagged.
type SilentAgent struct {
	AgentID            uuid.UUID `db:"agent_id"`
	Hostname           string    `db:"hostname"`
	LastSeenAt         time.Time `db:"last_seen_at"`
	SilentSince        time.Time `db:"silent_since"`
	HeartbeatIntervalS int32     `db:"heartbeat_interval_s"`
	AlertID            uuid.UUID `db:"alert_id"`
}

const silentAgentsSQL = `SELECT a.id AS agent_id, a.hostname, a.last_seen_at, al.started_at AS silent_since,
  a.heartbeat_interval_s, al.id AS alert_id
FROM alerts al JOIN agents a ON a.id = al.agent_id AND a.deleted_at IS NULL
WHERE al.tenant_id = $1 AND al.key = '` + SilentAlertKey + `' AND al.source = 'system' AND al.state = 'firing'
ORDER BY a.last_seen_at, a.id LIMIT $2`

const silentCountSQL = `SELECT count(*) FROM alerts al JOIN agents a ON a.id = al.agent_id AND a.deleted_at IS NULL
WHERE al.tenant_id = $1 AND al.key = '` + SilentAlertKey + `' AND al.source = 'system' AND al.state = 'firing'`

// SilentAgents lists the tenant's agents flagged silent, longest silent
// first (at most limit), and how many there are in all.
func (s *Store) SilentAgents(ctx context.Context, tenantID uuid.UUID, limit int) ([]SilentAgent, int, error) {
	rows, _ := s.pool.Query(ctx, silentAgentsSQL, tenantID, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[SilentAgent])
	if err != nil {
		return nil, 0, fmt.Errorf("list silent agents: %w", err)
	}
	n := len(out)
	if n == limit {
		if err := s.pool.QueryRow(ctx, silentCountSQL, tenantID).Scan(&n); err != nil {
			return nil, 0, fmt.Errorf("count silent agents: %w", err)
		}
	}
	return out, n, nil
}
