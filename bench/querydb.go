package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/internal/pglocal"
	"github.com/monsys/monsys/migrations"
	"github.com/monsys/monsys/tsdb"
)

// StorageDB is a migrated monsys database that the query scenario loads
// straight into: a private cluster it started (settings as the hub's
// embedded one) or a server at a URL.
type StorageDB struct {
	Pool    *pgxpool.Pool
	Dialect tsdb.Dialect
	cluster *pglocal.Cluster
}

const queryDatabase = "monsys_bench"

// OpenStorage migrates the database at url, or without one starts a
// cluster under dir and creates the database in it. Close releases both.
func OpenStorage(ctx context.Context, url, dir string, log *slog.Logger) (*StorageDB, error) {
	db := &StorageDB{}
	if url == "" {
		cl, err := pglocal.Open(ctx, pglocal.Options{Dir: filepath.Join(dir, "pg"), Logger: log,
			Settings: map[string]string{"max_connections": "200"}})
		if err != nil {
			return nil, fmt.Errorf("start postgresql: %w", err)
		}
		db.cluster = cl
		if err := createDatabase(ctx, cl.ConnString("postgres"), queryDatabase); err != nil {
			return nil, errors.Join(err, db.Close())
		}
		url = cl.ConnString(queryDatabase)
	}
	if err := db.open(ctx, url); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

func (db *StorageDB) open(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if db.Dialect, err = tsdb.Detect(ctx, conn, "auto"); err != nil {
		return err
	}
	if err := migrations.Up(ctx, conn, migrations.Options{TimescaleDB: db.Dialect == tsdb.TimescaleDB}); err != nil {
		return err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse database url: %w", err)
	}
	cfg.MaxConns = 8
	cfg.ConnConfig.RuntimeParams["application_name"] = "monsys-bench"
	// Queries plan as the hub's read pool plans them; the load's COPY and
	// fixture statements do not care.
	tsdb.ConfigureReadPool(cfg)
	if db.Pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("open pool: %w", err)
	}
	return nil
}

const databaseExistsSQL = `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`

func createDatabase(ctx context.Context, admin, name string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, databaseExistsSQL, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return fmt.Errorf("create database %s: %w", name, err)
		}
	}
	return nil
}

// Close closes the pool and stops a cluster OpenStorage started.
func (db *StorageDB) Close() error {
	if db.Pool != nil {
		db.Pool.Close()
	}
	if db.cluster == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := db.cluster.Close(ctx); err != nil {
		return fmt.Errorf("stop postgresql: %w", err)
	}
	return nil
}
