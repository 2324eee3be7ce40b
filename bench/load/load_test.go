package load_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/monsys/monsys/bench"
	"github.com/monsys/monsys/bench/load"
	"github.com/monsys/monsys/internal/pgtest"
	"github.com/monsys/monsys/tsdb"
)

var db *pgtest.Harness

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &db)) }

// A loaded fleet has every series at every minute, and after CatchUp the
// 1-minute rollup holds one row per series and minute.
func TestLoadAndCatchUp(t *testing.T) {
	ctx := context.Background()
	pool := db.New(t)
	f, err := load.Fixture(ctx, pool, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if f.SeriesCount() != 15 || len(f.Agents) != 3 {
		t.Fatalf("fleet %+v", f)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	from := now.Add(-6 * time.Hour)
	if _, err := tsdb.EnsurePartitions(ctx, pool, db.Dialect(), from, now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rows, err := load.LoadSamples(ctx, pool, f.FirstID, f.SeriesCount(), from, now, 2)
	if err != nil {
		t.Fatal(err)
	}
	var stored, distinct int64
	if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT (series_id, time)) FROM samples`).Scan(&stored, &distinct); err != nil {
		t.Fatal(err)
	}
	if want := int64(15 * 360); rows != want || stored != want || distinct != want {
		t.Errorf("loaded %d rows, table has %d (%d distinct), want %d", rows, stored, distinct, want)
	}
	if _, err := load.CatchUp(ctx, pool, db.Dialect(), now, 1); err != nil {
		t.Fatal(err)
	}
	var minutes int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM samples_1m WHERE bucket >= $1 AND bucket < $2`, from, now).Scan(&minutes); err != nil {
		t.Fatal(err)
	}
	if minutes != 15*360 {
		t.Errorf("samples_1m has %d rows for the loaded range, want %d", minutes, 15*360)
	}
}

// The query scenario loads, catches up and times every dashboard query,
// and its rollup answers equal the raw ones (it fails otherwise).
func TestQueryScenario(t *testing.T) {
	s := &bench.QueryScenario{Database: db.NewDatabase(t), Agents: 3, Series: 6, Days: 1, Reps: 3,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Samples != 3*6*1440 || len(rep.Timings) != 7 {
		t.Fatalf("report: %d samples, %d timings", rep.Samples, len(rep.Timings))
	}
	for _, q := range rep.Timings {
		if q.P50 <= 0 || q.P95 < q.P50 || (q.Source == "raw") != (q.RawOverRollup > 0) {
			t.Errorf("timing %+v", q)
		}
	}
}
