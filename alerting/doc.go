// Package alerting raises the hub's own alerts: alert rules on metrics and
// silent agents. Both run as periodic jobs of the hub's worker Runner.
//
// An alert rule (metric, label selector, agg, comparison, threshold,
// window, for-duration, severity; scoped to the fleet, one agent or the
// agents with a governance tag) is evaluated per agent of its scope on the
// query package's answer over the last window, read at 1-minute steps
// (the 1m rollup plus the raw tail not rolled up yet). A series' value is
// its buckets combined by agg (avg: mean of the minute averages; min, max,
// sum; last: the latest bucket's last value). The condition holds for an
// agent when any of its selected series satisfies the comparison; no data
// means it does not hold.
//
// Per (rule, agent) the states are: nothing → pending (condition holds, a
// for-duration is set) → firing (it held for the whole for-duration) →
// resolved (it stopped holding); with no for-duration a rule fires at
// once. Every transition is an alert event (webhooks deliver those). An
// agent inside one of its maintenance windows is not evaluated: nothing
// new goes pending or fires there, and open alerts keep their state until
// the window ends. An agent leaving the scope (tag removed, agent retired)
// has its open alert resolved.
//
// The silent check raises a system alert (key agent_silent) for an agent
// that reported once and then not within N of its expected intervals
// (heartbeat interval_s × N), and resolves it when the agent reports
// again. N and the alert's severity are the tenant's silent rule's (agg
// silent, threshold N: the default rule host_silent, which people edit like
// any rule; the rule evaluator skips it). A tenant whose silent rules are
// all disabled gets no silent alerts, and its open ones resolve; a tenant
// without any (it declined or deleted the defaults) is judged with
// MONSYS_SILENT_AFTER_INTERVALS.
//
// Hub outages. Only time the hub was up to hear agents counts. Every pass
// of the silent check records itself (store.TickHub, table hub_liveness):
// the stretch of up time starts again at the first pass of a hub process
// (each agent gets its full allowance after a start) and at a pass that
// finds no pass of any hub for 3 check intervals (the hubs were down or
// could not use the database); an agent is silent when intervals × its
// interval has passed since its last report and since that start (and at
// least the grace, longer than the agents' retry backoff, since the start).
// An outage is told once per tenant, as the tenant-wide system alert
// hub_restarted with the gap in its summary, not once per agent. An
// agent already flagged before the outage stays flagged until it reports.
// A hub shutting down stops the check (Silent.StopHearing) before it stops
// taking batches.
//
// Jobs hold no state between runs: everything is in the database, so
// several hubs may evaluate (a transition conflicts harmlessly at worst).
package alerting
