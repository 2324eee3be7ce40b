package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/internal/pglocal"
	"github.com/monsys/monsys/migrations"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/workers"
)

// embeddedDatabase is the database monsys creates in its own cluster.
const embeddedDatabase = "monsys"

// database is the hub's PostgreSQL: a connection string, the embedded
// cluster when monsys runs one, and the dialect decided at start.
type database struct {
	connString string
	cluster    *pglocal.Cluster // nil with MONSYS_DATABASE_URL
	dialect    tsdb.Dialect
	log        *slog.Logger
}

// openDatabase starts or reuses the embedded cluster when no URL is set,
// then decides the dialect.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*database, error) {
	db := &database{connString: cfg.DatabaseURL, log: log}
	if cfg.DatabaseURL == "" {
		start := time.Now()
		opts := pglocal.Options{Dir: filepath.Join(cfg.DataDir, "pg"), Logger: log,
			Settings: map[string]string{"max_connections": "200"}}
		if cfg.PGListen != "" {
			opts.TCP = &pglocal.TCPAccess{Address: cfg.PGListen, Roles: []string{grafanaRole}}
		}
		cl, err := pglocal.Open(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("start embedded postgresql: %w", err)
		}
		db.cluster = cl
		log.Info("embedded postgresql ready", "dir", filepath.Join(cfg.DataDir, "pg"), "initialized", cl.Initialized(),
			"reused_running_server", cl.Reused(), "took_ms", time.Since(start).Milliseconds())
		if err := ensureDatabase(ctx, cl.ConnString("postgres"), embeddedDatabase); err != nil {
			return nil, errors.Join(err, db.stopCluster(ctx))
		}
		db.connString = cl.ConnString(embeddedDatabase)
	}
	conn, err := db.connect(ctx)
	if err != nil {
		return nil, errors.Join(err, db.stopCluster(ctx))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if db.dialect, err = tsdb.Detect(ctx, conn, cfg.TSDB); err != nil {
		return nil, errors.Join(err, db.stopCluster(ctx))
	}
	return db, nil
}

func ensureDatabase(ctx context.Context, adminConnString, name string) error {
	conn, err := pgx.Connect(ctx, adminConnString)
	if err != nil {
		return fmt.Errorf("connect to embedded postgresql: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func (db *database) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(db.connString)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.RuntimeParams["application_name"] = "monsys"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return conn, nil
}

// migrate applies pending migrations on a connection of its own.
func (db *database) migrate(ctx context.Context) error {
	conn, err := db.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	start := time.Now()
	opts := migrations.Options{TimescaleDB: db.dialect == tsdb.TimescaleDB}
	before, err := migrations.CurrentStatus(ctx, conn, opts)
	if err != nil {
		return err
	}
	if err := migrations.Up(ctx, conn, opts); err != nil {
		return err
	}
	db.log.Info("migrations applied", "from_version", before.Current, "to_version", before.Latest,
		"applied", len(before.Pending), "took_ms", time.Since(start).Milliseconds())
	return nil
}

// pool opens the shared connection pool.
func (db *database) pool(ctx context.Context, maxConns int32) (*pgxpool.Pool, error) {
	return db.openPool(ctx, maxConns, "monsys", nil)
}

// readPool opens the pool of metric reads (tsdb.ConfigureReadPool).
func (db *database) readPool(ctx context.Context, maxConns int32) (*pgxpool.Pool, error) {
	return db.openPool(ctx, maxConns, "monsys-query", tsdb.ConfigureReadPool)
}

func (db *database) openPool(ctx context.Context, maxConns int32, name string, configure func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(db.connString)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.MaxConns = maxConns
	cfg.ConnConfig.RuntimeParams["application_name"] = name
	if configure != nil {
		configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open connection pool: %w", err)
	}
	return pool, nil
}

// stopCluster stops the embedded cluster, if monsys runs one.
func (db *database) stopCluster(ctx context.Context) error {
	if db.cluster == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	if err := db.cluster.Close(ctx); err != nil {
		return fmt.Errorf("stop embedded postgresql: %w", err)
	}
	db.log.Info("embedded postgresql stopped")
	return nil
}

// release stops the cluster only if this process started it: a CLI
// command run beside a serving hub must not stop the hub's database.
func (db *database) release(ctx context.Context) error {
	if db.cluster == nil || db.cluster.Reused() {
		return nil
	}
	return db.stopCluster(ctx)
}

// watchdogJobs keep the embedded cluster running: a PostgreSQL that died
// (killed, crashed, stopped by hand) is started again within a few
// seconds, and ingest, which refuses batches with 503 meanwhile, recovers
// by itself. A database at MONSYS_DATABASE_URL is its operator's to run.
func (db *database) watchdogJobs() []workers.Job {
	if db.cluster == nil {
		return nil
	}
	return []workers.Job{{Name: "embedded-postgresql", Interval: 2 * time.Second, Run: func(ctx context.Context) error {
		restarted, err := db.cluster.EnsureRunning(ctx)
		if restarted {
			db.log.Warn("embedded postgresql had stopped; started it again")
		}
		return err
	}}}
}
