package query

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/bench/load"
	"github.com/monsys/monsys/migrations"
	"github.com/monsys/monsys/tsdb"
)

// benchDatasetURL names a database BenchmarkDashboardQueries loads once
// and keeps: later runs of the same size skip the load and the rollup
// catch-up (about half an hour at the full scale) and time the queries
// only. Without it each run loads a fresh test database.
const benchDatasetURL = "MONSYS_BENCH_DATABASE_URL"

// dataset is a loaded fleet the dashboard benchmark reads.
type dataset struct {
	pool    *pgxpool.Pool
	dialect tsdb.Dialect
	tenant  uuid.UUID
	agents  []uuid.UUID
	now     time.Time // the newest loaded minute; ranges end here
	rows    int64
	// How long the load took (when it was made, for a kept one).
	loaded, vacuumed, caughtUp time.Duration
}

// benchDataset returns agents × series × days of samples at 60 s with
// the rollups caught up: in a fresh test database, or in the one
// MONSYS_BENCH_DATABASE_URL names, loaded there the first time.
func benchDataset(b *testing.B, ctx context.Context, nAgents, nSeries, nDays int) dataset {
	url := os.Getenv(benchDatasetURL)
	if url == "" {
		ds := dataset{pool: db.New(b), dialect: db.Dialect()}
		loadDataset(b, ctx, &ds, nAgents, nSeries, nDays)
		return ds
	}
	ds := dataset{pool: keptPool(b, ctx, url)}
	conn, err := ds.pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ds.dialect, err = tsdb.Detect(ctx, conn.Conn(), "auto")
	if err == nil {
		err = migrations.Up(ctx, conn.Conn(), migrations.Options{TimescaleDB: ds.dialect == tsdb.TimescaleDB})
	}
	conn.Release()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ds.pool.Exec(ctx, createDatasetSQL); err != nil {
		b.Fatal(err)
	}
	var agents, series, days int
	var loaded, vacuumed, caughtUp float64
	err = ds.pool.QueryRow(ctx, `SELECT agents, series, days, tenant_id, now, rows, loaded_s, vacuumed_s, caught_up_s FROM bench_dataset`).
		Scan(&agents, &series, &days, &ds.tenant, &ds.now, &ds.rows, &loaded, &vacuumed, &caughtUp)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		var used bool
		if err := ds.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM series)`).Scan(&used); err != nil || used {
			b.Fatalf("%s holds series but no finished load (%v): start from an empty database", benchDatasetURL, err)
		}
		loadDataset(b, ctx, &ds, nAgents, nSeries, nDays)
		_, err = ds.pool.Exec(ctx, `INSERT INTO bench_dataset VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			nAgents, nSeries, nDays, ds.tenant, ds.now, ds.rows, ds.loaded.Seconds(), ds.vacuumed.Seconds(), ds.caughtUp.Seconds())
		if err != nil {
			b.Fatal(err)
		}
		return ds
	case err != nil:
		b.Fatal(err)
	case agents != nAgents || series != nSeries || days != nDays:
		b.Fatalf("%s holds %d agents × %d series × %d days, not the %d × %d × %d asked for: use another database",
			benchDatasetURL, agents, series, days, nAgents, nSeries, nDays)
	}
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	ds.loaded, ds.vacuumed, ds.caughtUp = sec(loaded), sec(vacuumed), sec(caughtUp)
	rows, _ := ds.pool.Query(ctx, `SELECT id FROM agents WHERE tenant_id = $1 ORDER BY hostname`, ds.tenant)
	if ds.agents, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
		b.Fatal(err)
	}
	b.Logf("reusing the dataset kept in %s, loaded up to %s", benchDatasetURL, ds.now.Format(time.RFC3339))
	return ds
}

const createDatasetSQL = `CREATE TABLE IF NOT EXISTS bench_dataset (
  agents int NOT NULL, series int NOT NULL, days int NOT NULL, tenant_id uuid NOT NULL,
  now timestamptz NOT NULL, rows bigint NOT NULL,
  loaded_s float8 NOT NULL, vacuumed_s float8 NOT NULL, caught_up_s float8 NOT NULL)`

func keptPool(b *testing.B, ctx context.Context, url string) *pgxpool.Pool {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatalf("%s: %v", benchDatasetURL, err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// loadDataset fills ds's database: the fixture, the samples by binary
// COPY over 2 connections, then the rollups.
func loadDataset(b *testing.B, ctx context.Context, ds *dataset, nAgents, nSeries, nDays int) {
	ds.now = time.Now().UTC().Truncate(time.Minute)
	start := ds.now.AddDate(0, 0, -nDays)
	fleet, err := load.Fixture(ctx, ds.pool, nAgents, nSeries)
	if err != nil {
		b.Fatal(err)
	}
	ds.tenant, ds.agents = fleet.Tenant, fleet.Agents
	loadStart := time.Now()
	if _, err := tsdb.EnsurePartitions(ctx, ds.pool, ds.dialect, start, ds.now.Add(24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	if ds.rows, err = load.LoadSamples(ctx, ds.pool, fleet.FirstID, fleet.SeriesCount(), start, ds.now, 2); err != nil {
		b.Fatal(err)
	}
	ds.loaded = time.Since(loadStart)
	vacStart := time.Now()
	if _, err := ds.pool.Exec(ctx, `VACUUM ANALYZE samples`); err != nil {
		b.Fatal(err)
	}
	ds.vacuumed = time.Since(vacStart)
	b.Logf("loaded %d samples (%d agents × %d series × %d days at 60 s) in %s (%.0f k rows/s, COPY over 2 connections); VACUUM ANALYZE %s",
		ds.rows, nAgents, nSeries, nDays, ds.loaded.Round(time.Second), float64(ds.rows)/ds.loaded.Seconds()/1e3, ds.vacuumed.Round(time.Second))

	cu, err := load.CatchUp(ctx, ds.pool, ds.dialect, ds.now, nDays)
	if err != nil {
		b.Fatal(err)
	}
	ds.caughtUp = cu.Took
	b.Logf("rollup: %s", cu.Detail)
	for _, t := range []string{"samples_1m", "samples_1h"} {
		if _, err := ds.pool.Exec(ctx, `VACUUM ANALYZE `+t); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("rollups caught up in %s", ds.caughtUp.Round(time.Second))
}
