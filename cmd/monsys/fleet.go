package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/alerting"
	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/integrity"
	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/topology"
	"github.com/monsys/monsys/webhook"
	"github.com/monsys/monsys/workers"
)

// How often the fleet jobs run. Alert rules read 1-minute buckets, so
// evaluating twice a minute keeps a for-duration within half a minute.
const (
	alertRulesEvery = 30 * time.Second
	webhooksEvery   = 2 * time.Second
	// The integrity check judges agents whose version, binary or machine
	// DNA moved; an idle pass is one query.
	integrityEvery = time.Minute
	// Finished deliveries stay in the delivery log this long.
	deliveryLogKeep = 30 * 24 * time.Hour
)

// webhookPolicy is what webhooks may reach under cfg (validated already).
func webhookPolicy(cfg config.Config) webhook.Policy {
	allow, _ := cfg.WebhookAllowPrefixes() // Validate refused a bad value before the hub started
	return webhook.Policy{Allow: allow}
}

// topologyEvery is how often detection reads the sockets inventories
// that arrived; agents send theirs when they change, and hourly.
const topologyEvery = 30 * time.Second

// fleetWork is the fleet's background jobs, and the silent check among
// them, which shutdown stops before HTTP (StopHearing).
type fleetWork struct {
	jobs   []workers.Job
	silent *alerting.Silent
}

// fleetJobs evaluate alert rules, flag silent agents and deliver webhooks,
// counting their work in reg.
func fleetJobs(cfg config.Config, st *store.Store, q *query.Service, reg prometheus.Registerer, log *slog.Logger) (fleetWork, error) {
	am, err := alerting.NewMetrics(reg)
	if err != nil {
		return fleetWork{}, err
	}
	wm, err := webhook.NewMetrics(reg)
	if err != nil {
		return fleetWork{}, err
	}
	rules := alerting.NewEvaluator(st, q, log, nil, am)
	silent := alerting.NewSilent(st, alerting.SilentConfig{Intervals: float64(cfg.SilentAfterIntervals),
		Every: cfg.SilentCheckEvery, Grace: cfg.SilentRestartGrace}, log, am)
	hooks := webhook.New(st, webhook.Config{Policy: webhookPolicy(cfg), Metrics: wm}, log)
	var builds *integrity.Builds
	if cfg.AgentDistDir != "" {
		builds = integrity.NewBuilds(cfg.AgentDistDir)
	}
	check := integrity.New(st, builds, log)
	return fleetWork{silent: silent, jobs: []workers.Job{
		{Name: "agent-integrity", Interval: integrityEvery, RunAtStart: true, Run: check.Run},
		{Name: "alert-rules", Interval: alertRulesEvery, Run: rules.Run},
		{Name: "silent-agents", Interval: cfg.SilentCheckEvery, RunAtStart: true, Run: silent.Run},
		{Name: "webhooks", Interval: webhooksEvery, RunAtStart: true, Run: hooks.Run},
		{Name: "topology-detection", Interval: topologyEvery, RunAtStart: true, Run: topology.NewWorker(st, time.Now).Run},
		{Name: "webhook-log", Interval: time.Hour, RunAtStart: true, Run: func(ctx context.Context) error {
			n, err := st.PruneDeliveries(ctx, time.Now().Add(-deliveryLogKeep))
			if n > 0 {
				log.Info("pruned webhook delivery log", "deliveries", n)
			}
			return err
		}},
	}}, nil
}

// settleDefaultRules answers, once, migration 0012's offer of the default
// alert rules to the tenants that existed before it: installed, unless the
// operator declined with MONSYS_DEFAULT_RULES_EXISTING=decline.
func settleDefaultRules(ctx context.Context, st *store.Store, cfg config.Config, log *slog.Logger) error {
	install := cfg.DefaultRulesExisting != "decline"
	n, err := st.SettleDefaultRulesOffer(ctx, install)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("default alert rules offered to existing tenants", "tenants", n, "installed", install)
	}
	return nil
}
