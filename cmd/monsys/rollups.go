package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/workers"
)

// The rollup worker's schedule (tsdb.RollupConfig says what lag and grace
// mean). TimescaleDB's refresh policies live in migration 0005; there the
// worker only refreshes what late samples invalidated.
const (
	rollupEvery    = time.Minute
	rollupLag      = time.Minute
	rollupGrace    = 10 * time.Minute
	retentionEvery = time.Hour
)

// retentionOf is each tier's retention under cfg on dialect d.
func retentionOf(cfg config.Config, d tsdb.Dialect) tsdb.Retention {
	return tsdb.Retention{Raw: rawRetention(cfg, d), OneMinute: cfg.RetentionOneMinute, OneHour: cfg.RetentionOneHour}
}

// applyRetention sets TimescaleDB's retention policies to ret and logs what
// holds the rollups and the retention on this dialect.
func applyRetention(ctx context.Context, pool *pgxpool.Pool, d tsdb.Dialect, ret tsdb.Retention, log *slog.Logger) error {
	log = log.With("component", "rollups")
	policies, err := tsdb.ApplyRetention(ctx, pool, d, ret)
	if err != nil {
		return err
	}
	if d == tsdb.TimescaleDB {
		for _, p := range policies {
			log.Info("retention policy", "relation", p.Relation, "drop_after", p.DropAfter.String(), "changed", p.Changed)
		}
		log.Info("rollups by continuous aggregates", "refresh_1m", "every 1m, 12h back",
			"refresh_1h", "every 15m, 2d back", "late_samples", "refreshed by worker every "+rollupEvery.String(),
			"compression", "samples 2d, samples_1m 7d, samples_1h 30d")
		return nil
	}
	log.Info("retention by worker", "raw", ret.Raw.String(), "samples_1m", ret.OneMinute.String(),
		"samples_1h", ret.OneHour.String(), "every", retentionEvery.String())
	log.Info("rollups by worker", "every", rollupEvery.String(), "lag", rollupLag.String(), "grace", rollupGrace.String())
	return nil
}

// storageJobs keep the rollups and retention on plain PostgreSQL. On
// TimescaleDB its own jobs do both, and the rollup job only refreshes the
// ranges late samples invalidated behind the refresh policies' windows.
func storageJobs(pool *pgxpool.Pool, d tsdb.Dialect, ret tsdb.Retention, log *slog.Logger) []workers.Job {
	log = log.With("component", "rollups")
	roll := tsdb.NewRollup(pool, d, tsdb.RollupConfig{Lag: rollupLag, Grace: rollupGrace, Start: ret.Raw})
	jobs := []workers.Job{{Name: "rollup", Interval: rollupEvery, RunAtStart: true, Run: func(ctx context.Context) error {
		res, err := roll.Run(ctx, time.Now())
		if res.Steps > 1 {
			log.Info("rollup caught up", "steps", res.Steps, "watermark", res.Watermark)
		}
		if res.LateSteps > 0 {
			log.Info("late samples rolled up again", "steps", res.LateSteps, "rows_1m", res.LateMinutes,
				"rows_1h", res.LateHours, "more_pending", res.LatePending)
		}
		return err
	}}}
	if d != tsdb.Postgres {
		return jobs
	}
	return append(jobs, workers.Job{Name: "retention", Interval: retentionEvery, RunAtStart: true, Run: func(ctx context.Context) error {
		res, err := tsdb.EnforceRetention(ctx, pool, d, ret, time.Now())
		if len(res.DroppedPartitions) > 0 || res.Minutes > 0 || res.Hours > 0 {
			log.Info("retention removed data", "partitions", res.DroppedPartitions, "rows_1m", res.Minutes, "rows_1h", res.Hours)
		}
		return err
	}})
}

// queryConns sizes the read pool: one connection per query the service
// lets run at once (its MaxInFlight).
const queryConns = 16

// newQueryService is what the metric routes read through.
func newQueryService(pool *pgxpool.Pool, d tsdb.Dialect, ret tsdb.Retention) *query.Service {
	return query.New(tsdb.NewReader(pool, d), query.Config{Retention: ret, MaxInFlight: queryConns})
}
