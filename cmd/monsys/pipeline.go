package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/ingest"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/workers"
)

// rawRetention is how long raw samples are kept and accepted.
func rawRetention(cfg config.Config, d tsdb.Dialect) time.Duration {
	switch {
	case cfg.RetentionRaw > 0:
		return cfg.RetentionRaw
	case d == tsdb.TimescaleDB:
		return 30 * 24 * time.Hour
	}
	return 7 * 24 * time.Hour
}

// ledgerKeep is how long batch ids are remembered for deduplication.
const ledgerKeep = 48 * time.Hour

// partitionWindow is the range of days that must have partitions: every
// day a sample may be accepted for, and two days ahead.
func partitionWindow(now time.Time, retention time.Duration) (time.Time, time.Time) {
	return now.Add(-retention), now.Add(48 * time.Hour)
}

// ingestParts are the ingest pipeline and its front door, the service the
// API hands every body of samples to.
type ingestParts struct {
	pipeline *ingest.Pipeline
	service  *ingest.Service
}

func newIngest(cfg config.Config, pool *pgxpool.Pool, st *store.Store, log *slog.Logger, reg prometheus.Registerer, d tsdb.Dialect) (*ingestParts, error) {
	pipe, err := ingest.New(ingest.Config{Shards: cfg.IngestShards}, pool, st, log, reg)
	if err != nil {
		return nil, err
	}
	cache := ingest.NewSeriesCache(cfg.SeriesCacheSize)
	if err := ingest.RegisterCacheMetrics(reg, cache); err != nil {
		return nil, fmt.Errorf("register series cache metrics: %w", err)
	}
	// Samples are accepted as far back as raw samples are kept; the other
	// bounds are ingest's defaults unless configured.
	svc, err := ingest.NewService(ingest.ServiceConfig{MaxCompressed: cfg.IngestMaxCompressed, MaxDecoded: cfg.IngestMaxDecoded,
		MaxSampleAge: rawRetention(cfg, d), MemoryBudget: int64(cfg.IngestMemoryBudget),
		MaxWait: cfg.IngestWait}, pipe, ingest.NewResolver(cache, pool), log)
	if err != nil {
		return nil, err
	}
	if err := ingest.RegisterBudgetMetrics(reg, svc.Budget()); err != nil {
		return nil, fmt.Errorf("register ingest memory metrics: %w", err)
	}
	return &ingestParts{pipeline: pipe, service: svc}, nil
}

// maintenanceJobs keep storage ready for ingest: partitions ahead of time
// (plain PostgreSQL) and a bounded dedup ledger.
func maintenanceJobs(pool *pgxpool.Pool, d tsdb.Dialect, retention time.Duration, log *slog.Logger) []workers.Job {
	return []workers.Job{
		{Name: "partitions", Interval: time.Hour, Run: func(ctx context.Context) error {
			from, to := partitionWindow(time.Now(), retention)
			n, err := tsdb.EnsurePartitions(ctx, pool, d, from, to)
			if n > 0 {
				log.Info("created sample partitions", "count", n)
			}
			return err
		}},
		{Name: "ingest-ledger", Interval: time.Hour, RunAtStart: true, Run: func(ctx context.Context) error {
			n, err := tsdb.PruneLedger(ctx, pool, time.Now().Add(-ledgerKeep))
			if n > 0 {
				log.Info("pruned ingest ledger", "batches", n)
			}
			return err
		}},
	}
}
