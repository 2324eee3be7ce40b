package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The simulated agents against a real hub process: registration pins
// their keys, their signed zstd batches are accepted and stored sample
// for sample, a batch signed by another key is refused, the ceiling
// writes exactly its rows into the same database, and /proc shows the
// hub's and its PostgreSQL's CPU.
func TestAgentsAgainstARealHub(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "monsys-bench-test-") // not t.TempDir: the postgres user must traverse it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) }) // best effort
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "monsys")
	if err := BuildHub(ctx, "..", bin); err != nil {
		t.Fatal(err)
	}
	hub, err := StartHub(ctx, HubOptions{Bin: bin, Dir: filepath.Join(dir, "hub"), Email: benchEmail, Password: benchPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := hub.Stop(); err != nil {
			t.Error(err)
		}
	})
	// CPU from here on: enrollment, warm-up and the timed phase.
	pm, err := hub.PostmasterPID()
	if err != nil {
		t.Fatal(err)
	}
	cpu0, err := SampleCPU("/proc", hub.PID(), pm)
	if err != nil {
		t.Fatal(err)
	}
	api := &HubAPI{URL: hub.URL, HTTP: NewHTTPClient(2, 30*time.Second)}
	defer api.HTTP.CloseIdleConnections()
	if err := api.Login(ctx, benchEmail, benchPassword); err != nil {
		t.Fatal(err)
	}
	token, err := api.EnrollmentToken(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := NewSender(hub.URL, NewHTTPClient(3, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	const nAgents, nSeries = 3, 30
	agents, err := Enroll(ctx, api, sender, token, "test", nAgents, nSeries, nil)
	if err != nil {
		t.Fatal(err)
	}

	// Another key signing for agent 0: the hub must refuse it.
	impostor, err := NewSimAgent(nSeries, 99)
	if err != nil {
		t.Fatal(err)
	}
	impostor.ID, impostor.Token = agents[0].ID, agents[0].Token
	if _, status, err := sender.Send(ctx, impostor, time.Now(), 1, time.Second); err != nil || status != 401 {
		t.Errorf("batch signed by a key that is not the pinned one: status %d (%v), want 401", status, err)
	}

	res, err := RunIngest(ctx, sender, agents, IngestConfig{PerSeries: 2, Duration: 2500 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Closed loop at one batch per 1.02 s, starts spread over the first
	// interval: each agent sends 2 or 3 batches in 2.5 s.
	if res.Batches < 2*nAgents || res.Batches > 3*nAgents || res.Samples != res.Batches*nSeries*2 || len(res.Statuses) != 0 {
		t.Errorf("ingest: %d batches, %d samples, errors %v; want 6 to 9 batches of 60 samples and no errors", res.Batches, res.Samples, res.Statuses)
	}
	if res.Latency.Count != int(res.Batches) || res.Latency.P50 <= 0 {
		t.Errorf("latency %+v for %d batches", res.Latency, res.Batches)
	}
	cpu1, err := SampleCPU("/proc", hub.PID(), pm)
	if err != nil {
		t.Fatal(err)
	}
	if used := cpu1.Sub(cpu0); used.Hub <= 0 || used.Postgres <= 0 {
		t.Errorf("CPU during enrollment and ingest: %+v, want some for the hub and for PostgreSQL", used)
	}

	pool, err := pgxpool.New(ctx, hub.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ids := []string{agents[0].ID, agents[1].ID, agents[2].ID}
	series, err := AgentSeries(ctx, pool, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range series {
		if len(s) != nSeries {
			t.Errorf("agent %d has %d series at the hub, want %d", i, len(s), nSeries)
		}
	}
	stored := countSamples(ctx, t, pool, ids)
	if want := int64(nAgents*nSeries) + res.Samples; stored != want { // warm-up batches plus the phase
		t.Errorf("hub stored %d samples, want %d (%d warm-up + %d acknowledged)", stored, want, nAgents*nSeries, res.Samples)
	}

	c, err := RunCeiling(ctx, pool, series, CeilingConfig{Rows: 1000, Conns: 2, CopyRows: 120, PerSeries: 2, Step: time.Second}, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Whole batches only: 16 batches of 60 rows fit in 1000.
	if c.Rows != 960 || c.SamplesPerSec <= 0 {
		t.Errorf("ceiling wrote %d rows at %.0f/s, want 960", c.Rows, c.SamplesPerSec)
	}
	if got := countSamples(ctx, t, pool, ids) - stored; got != c.Rows {
		t.Errorf("ceiling says %d rows, the table grew by %d", c.Rows, got)
	}
}

const countSamplesSQL = `SELECT count(*) FROM samples WHERE series_id IN (SELECT id FROM series WHERE agent_id = ANY($1::uuid[]))`

func countSamples(ctx context.Context, t *testing.T, pool *pgxpool.Pool, agents []string) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(ctx, countSamplesSQL, agents).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
