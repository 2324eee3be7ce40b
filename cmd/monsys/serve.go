package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/monsys/monsys/api"
	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/console"
	"github.com/monsys/monsys/explain"
	"github.com/monsys/monsys/fleet"
	"github.com/monsys/monsys/ingest"
	"github.com/monsys/monsys/internal/diskspace"
	"github.com/monsys/monsys/notify"
	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/relay"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/vuln"
	"github.com/monsys/monsys/web"
	"github.com/monsys/monsys/workers"
)

func newServeCommand(environ []string, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the hub: API, ingest and workers",
		Long: "Run the hub. Without MONSYS_DATABASE_URL it starts (or reuses) a private PostgreSQL cluster under\n" +
			"MONSYS_DATA_DIR/pg and stops it on exit. Every flag has a MONSYS_* variable; a flag beats the variable.\n" +
			"Secrets can come from files: MONSYS_ADMIN_PASSWORD_FILE, MONSYS_DATABASE_URL_FILE.",
		Args: cobra.NoArgs,
	}
	flags := config.RegisterFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := loadConfig(environ, flags)
		if err != nil {
			return err
		}
		m := &Main{Config: cfg, Stdout: stdout, Logger: newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)}
		return m.Run(cmd.Context())
	}
	return cmd
}

func loadConfig(environ []string, flags *config.Flags) (config.Config, error) {
	cfg, err := config.Load(environ)
	if err != nil {
		return cfg, err
	}
	if err := flags.Apply(&cfg); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}

// Main is one run of the hub. Run blocks until ctx ends or the server
// fails, then shuts down in order: stop accepting HTTP, wait for requests
// in flight, close the pool, stop the embedded cluster.
type Main struct {
	Config config.Config
	Stdout io.Writer // the first-start banner goes here
	Logger *slog.Logger

	// Ready, if set, is called with the bound address once the hub answers.
	Ready func(addr net.Addr)
}

// Run starts the hub and serves until ctx is cancelled.
func (m *Main) Run(ctx context.Context) (err error) {
	log := m.Logger
	cfg := m.Config
	started := time.Now()
	log.Info("monsys starting", append([]any{"version", buildVersion()}, cfg.Summary()...)...)

	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.stopCluster(ctx)) }()
	log.Info("time-series dialect", "dialect", db.dialect, "mode", cfg.TSDB)
	if err := db.migrate(ctx); err != nil {
		return err
	}
	if err := db.grafanaLogin(ctx, cfg); err != nil {
		return err
	}
	pool, err := db.pool(ctx, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	if err := bootstrap(ctx, st, cfg, m.Stdout, log); err != nil {
		return err
	}
	if err := settleDefaultRules(ctx, st, cfg, log); err != nil {
		return err
	}

	if cfg.PprofListen != "" {
		stopPprof, err := startPprof(cfg.PprofListen, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	reg := newRegistry(pool)
	retention := rawRetention(cfg, db.dialect)
	from, to := partitionWindow(time.Now(), retention)
	if _, err := tsdb.EnsurePartitions(ctx, pool, db.dialect, from, to); err != nil {
		return err
	}
	tiers := retentionOf(cfg, db.dialect)
	if err := applyRetention(ctx, pool, db.dialect, tiers, log); err != nil {
		return err
	}
	// Deferred calls run in reverse: HTTP stops (below), then ingest
	// drains, then workers stop, then the pool and the cluster close.
	readPool, err := db.readPool(ctx, queryConns)
	if err != nil {
		return err
	}
	defer readPool.Close() // after the workers and HTTP, which read through it
	queries := newQueryService(readPool, db.dialect, tiers)
	mailJob, err := newMailJob(cfg, st, log)
	if err != nil {
		return err
	}
	fleet, err := fleetJobs(cfg, st, queries, reg, log)
	if err != nil {
		return err
	}
	jobs := append(maintenanceJobs(pool, db.dialect, retention, log), storageJobs(pool, db.dialect, tiers, log)...)
	channels, notifyJobs, err := newNotifications(cfg, pool, reg, log)
	if err != nil {
		return err
	}
	jobs = append(jobs, mailJob, pruneAccountsJob(st, log))
	jobs = append(jobs, notifyJobs...)
	jobs = append(jobs, db.watchdogJobs()...)
	disk := diskWatcher(ctx, db, pool, log)
	if disk != nil {
		if err := disk.Register(reg); err != nil {
			return err
		}
		jobs = append(jobs, diskAlertJob(disk, st, cfg.DiskFreeAlertPct, log))
	}
	vulns := newVulns(cfg, pool, st, log)
	jobs = append(jobs, vulnJobs(cfg, vulns)...)
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	runner := workers.New(log, append(jobs, fleet.jobs...)...)
	workDone := make(chan struct{})
	go func() { runner.Run(workCtx); close(workDone) }()
	defer func() { stopWork(); <-workDone }()

	ing, err := newIngest(cfg, pool, st, log, reg, db.dialect)
	if err != nil {
		return err
	}
	ing.pipeline.Start(ctx)
	defer func() {
		// On the way out of a failed start; after a shutdown the rings are
		// drained already (at the end of Run) and this returns at once.
		drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
		defer cancel()
		err = errors.Join(err, ing.pipeline.Close(drainCtx))
		log.Info("ingest drained")
	}()
	srv, err := m.newServer(st, pool, reg, string(db.dialect), ing.service, queries, disk, channels, vulns)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on MONSYS_LISTEN=%s: %w", cfg.Listen, err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("monsys ready", "url", cfg.PublicURL, "listen", ln.Addr().String(),
		"startup_ms", time.Since(started).Milliseconds())
	fmt.Fprintf(m.Stdout, "monsys is running at %s  (API docs: %s/api/v1/docs)\n", cfg.PublicURL, cfg.PublicURL)
	if m.Ready != nil {
		m.Ready(ln.Addr())
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down", "reason", context.Cause(ctx))
	case err := <-serveErr:
		return fmt.Errorf("serve http: %w", err)
	}
	// Agents cannot reach a hub that is stopping: no silence counts from here.
	fleet.silent.StopHearing()
	// One deadline for the drain: ingest answers batches that arrive from
	// now on 503 (on connections kept alive), the listener closes at once
	// (new connections are refused), the requests in flight go on to their
	// commit and answer, then ingest commits whatever its rings still hold.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	ing.service.Drain()
	// The last fifth of the grace (at most 5 s) is ingest's alone: a
	// connection that will not close must not leave the rings no time to
	// commit what they hold.
	httpCtx, cancelHTTP := context.WithTimeout(shutdownCtx, cfg.ShutdownGrace-min(cfg.ShutdownGrace/5, 5*time.Second))
	defer cancelHTTP()
	if err := srv.Shutdown(httpCtx); err != nil {
		log.Warn("http shutdown incomplete", "err", err)
	}
	<-serveErr
	log.Info("http stopped")
	return ing.pipeline.Close(shutdownCtx)
}

func newRegistry(pool *pgxpool.Pool) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
		newPoolCollector(pool),
	)
	return reg
}

func (m *Main) newServer(st *store.Store, pool *pgxpool.Pool, reg *prometheus.Registry, dialect string, ing *ingest.Service, q *query.Service,
	disk *diskspace.Watcher, channels *notify.Service, vulns *vuln.Service) (*api.Server, error) {
	cfg := m.Config
	deps := api.Deps{Store: st, Logger: m.Logger, Registry: reg, Gatherer: reg, Ingest: ing, Metrics: q,
		Fleet: fleet.New(st, q, nil), Notify: channels, Vulns: vulns}
	if disk != nil {
		deps.Disk = disk
	}
	if cfg.Cluster {
		deps.SharedLimits = pool // every hub counts in the same rate_counters rows
	}
	totpKey, err := cfg.TOTPKeyBytes()
	if err != nil {
		return nil, err
	}
	if totpKey == nil {
		m.Logger.Warn("MONSYS_TOTP_KEY is not set: TOTP secrets and notification channel URLs are stored unencrypted")
	}
	maxPush := cfg.MaxPushConns
	if maxPush <= 0 {
		maxPush = 10000
	}
	deps.Relay = relay.New(maxPush)
	hubKey, err := console.LoadHubKey(context.Background(), pool, totpKey)
	if err != nil {
		return nil, err
	}
	deps.Console = console.New(pool, deps.Relay, hubKey, console.Limits{}, m.Logger)
	if !cfg.Cluster {
		if err := deps.Console.FailStale(context.Background()); err != nil {
			return nil, err
		}
	}
	if deps.Pages, err = web.New(web.Config{PublicURL: cfg.PublicURL, Version: buildVersion()}, m.Logger); err != nil {
		return nil, err
	}
	return api.New(api.Config{
		PublicURL: cfg.PublicURL, InsecureCookies: cfg.InsecureCookies, SessionIdle: cfg.SessionIdle,
		SessionMaxAge: cfg.SessionMaxAge, BodyLimit: cfg.BodyLimit, Version: buildVersion(), Dialect: dialect,
		AgentDistDir: cfg.AgentDistDir, MaxPushConns: cfg.MaxPushConns, TOTPKey: totpKey,
		Webhooks: webhookPolicy(cfg), IngestBatchesPerMinute: cfg.IngestBatchesPerMin,
		Model: explainModel(cfg), RedactIPs: cfg.AIRedactIPs,
	}, deps)
}

// explainModel is the model behind GET /ai/explain, or nil when none is
// configured.
func explainModel(cfg config.Config) *explain.Model {
	if cfg.AIURL == "" {
		return nil
	}
	return &explain.Model{URL: cfg.AIURL, Name: cfg.AIModel, APIKey: cfg.AIKey}
}
