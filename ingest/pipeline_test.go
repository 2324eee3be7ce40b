package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/wire"
)

// fixture is a migrated database with one tenant and agents, a running
// pipeline and a resolver.
type fixture struct {
	pool     *pgxpool.Pool
	tenant   uuid.UUID
	agents   []uuid.UUID
	pipe     *Pipeline
	resolver *Resolver
}

func newFixture(t testing.TB, agents int, cfg Config) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{pool: db.New(t), tenant: uuid.Must(uuid.NewV7())}
	if _, err := f.pool.Exec(ctx, `INSERT INTO tenants (id, name, slug) VALUES ($1, 't', 't')`, f.tenant); err != nil {
		t.Fatal(err)
	}
	for i := range agents {
		id := uuid.Must(uuid.NewV7())
		if _, err := f.pool.Exec(ctx, `INSERT INTO agents (id, tenant_id, machine_id, hostname) VALUES ($1, $2, $3, $3)`,
			id, f.tenant, fmt.Sprintf("host-%d", i)); err != nil {
			t.Fatal(err)
		}
		f.agents = append(f.agents, id)
	}
	if _, err := tsdb.EnsurePartitions(ctx, f.pool, db.Dialect(), time.Now().AddDate(0, 0, -2), time.Now().AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	var err error
	f.pipe, err = New(cfg, f.pool, store.New(f.pool), slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	f.pipe.Start(ctx)
	t.Cleanup(func() {
		if err := f.pipe.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	f.resolver = NewResolver(NewSeriesCache(10_000), f.pool)
	return f
}

// submit decodes a wire batch and sends it through resolution and the
// pipeline, as the HTTP handler does.
func (f *fixture) submit(ctx context.Context, agent uuid.UUID, wb *wire.Batch) (Result, error) {
	body := wire.AppendBatchJSON(nil, wb)
	b := new(Batch)
	if err := Decode(body, b, DefaultLimits); err != nil {
		return Result{}, err
	}
	if err := f.resolver.Resolve(ctx, f.tenant, &agent, b); err != nil {
		return Result{}, err
	}
	item := &Pending{TenantID: f.tenant, AgentID: &agent, HasBatchID: true, BodySHA256: sha256.Sum256(body), Batch: b}
	return f.pipe.Submit(ctx, item)
}

func recentBatch(id uuid.UUID, series, samples int, base time.Time) *wire.Batch {
	b := &wire.Batch{BatchID: id.String()}
	for i := range series {
		m := wire.Metric{Name: "cpu_usage_ratio", Labels: map[string]string{"cpu": fmt.Sprint(i)}}
		for j := range samples {
			m.Samples = append(m.Samples, wire.Sample{TimeMs: base.Add(time.Duration(j) * time.Second).UnixMilli(), Value: float64(j)})
		}
		b.Metrics = append(b.Metrics, m)
	}
	return b
}

func countSamples(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM samples`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEveryBatchSentThreeTimesConcurrentlyIsStoredOnce(t *testing.T) {
	f := newFixture(t, 8, Config{Shards: 2, FlushLinger: 2 * time.Millisecond})
	ctx := context.Background()
	base := time.Now().Add(-time.Hour)
	const perAgent = 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh, dups := 0, 0
	errs := make(chan error, 1000)
	for _, agent := range f.agents {
		for k := range perAgent {
			id := uuid.Must(uuid.NewV7())
			wb := recentBatch(id, 5, 4, base.Add(time.Duration(k)*time.Minute))
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := f.submit(ctx, agent, wb)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					if r.Duplicate {
						dups++
					} else {
						fresh++
					}
					mu.Unlock()
				}()
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	batches := len(f.agents) * perAgent
	if fresh != batches || dups != 2*batches {
		t.Fatalf("%d fresh and %d duplicate answers, want %d and %d", fresh, dups, batches, 2*batches)
	}
	if got, want := countSamples(t, f.pool), batches*5*4; got != want {
		t.Fatalf("%d samples stored, want %d (each batch once)", got, want)
	}
	var distinct int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT DISTINCT time, series_id FROM samples) d`).Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	if distinct != batches*5*4 {
		t.Fatalf("%d distinct (time, series) rows of %d: duplicates stored", distinct, batches*5*4)
	}
}

func TestSameBatchIDWithAnotherBodyIsRefused(t *testing.T) {
	f := newFixture(t, 1, Config{})
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	if _, err := f.submit(ctx, f.agents[0], recentBatch(id, 1, 2, time.Now().Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}
	_, err := f.submit(ctx, f.agents[0], recentBatch(id, 1, 3, time.Now().Add(-time.Minute)))
	if !errors.Is(err, ErrBatchMismatch) {
		t.Fatalf("err = %v, want ErrBatchMismatch", err)
	}
	if n := countSamples(t, f.pool); n != 2 {
		t.Fatalf("%d samples, want the first body's 2", n)
	}
}

func TestPartsAreStoredWithTheBatch(t *testing.T) {
	f := newFixture(t, 1, Config{})
	ctx := context.Background()
	agent := f.agents[0]
	wb := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(),
		Heartbeat: &wire.Heartbeat{UptimeS: 42, AgentVersion: "9.9.9", IntervalS: 10},
		Inventory: []wire.InventoryPart{{Kind: "packages", Items: []byte(`[{"name":"openssl","version":"3.0.11"}]`)}},
		Alerts:    []wire.Alert{{Key: "disk_full:/", Severity: "critical", Summary: "97%", State: "firing"}}}
	body := wire.AppendBatchJSON(nil, wb)
	b := new(Batch)
	if err := Decode(body, b, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	item := &Pending{TenantID: f.tenant, AgentID: &agent, HasBatchID: true, BodySHA256: sha256.Sum256(body), Batch: b,
		Heartbeat: wb.Heartbeat, Inventory: wb.Inventory, Alerts: wb.Alerts}
	if _, err := f.pipe.Submit(ctx, item); err != nil {
		t.Fatal(err)
	}
	var uptime int64
	var version string
	var interval int32
	if err := f.pool.QueryRow(ctx, `SELECT uptime_s, agent_version, heartbeat_interval_s FROM agents WHERE id = $1`, agent).Scan(&uptime, &version, &interval); err != nil {
		t.Fatal(err)
	}
	if uptime != 42 || version != "9.9.9" || interval != 10 {
		t.Errorf("agent after heartbeat: uptime %d version %q interval %d", uptime, version, interval)
	}
	var kind, items string
	if err := f.pool.QueryRow(ctx, `SELECT l.kind, s.items::text FROM inventory_latest l JOIN inventory_snapshots s ON s.id = l.snapshot_id WHERE l.agent_id = $1`, agent).Scan(&kind, &items); err != nil {
		t.Fatal(err)
	}
	if kind != "packages" || items != `[{"name": "openssl", "version": "3.0.11"}]` {
		t.Errorf("inventory %s %s", kind, items)
	}
	// Resolving the alert in a later batch closes it: two events in all.
	wb2 := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String(), Alerts: []wire.Alert{{Key: "disk_full:/", State: "resolved"}}}
	body2 := wire.AppendBatchJSON(nil, wb2)
	b2 := new(Batch)
	if err := Decode(body2, b2, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pipe.Submit(ctx, &Pending{TenantID: f.tenant, AgentID: &agent, HasBatchID: true, BodySHA256: sha256.Sum256(body2),
		Batch: b2, Alerts: wb2.Alerts}); err != nil {
		t.Fatal(err)
	}
	var state string
	var events int
	if err := f.pool.QueryRow(ctx, `SELECT a.state, (SELECT count(*) FROM alert_events e WHERE e.alert_id = a.id) FROM alerts a WHERE a.agent_id = $1`, agent).Scan(&state, &events); err != nil {
		t.Fatal(err)
	}
	if state != "resolved" || events != 2 {
		t.Errorf("alert state %s with %d events, want resolved with 2", state, events)
	}
}

func TestFullRingRefusesAtOnce(t *testing.T) {
	f := newFixture(t, 1, Config{Shards: 1, ShardQueueRows: 10})
	// Stop the flusher from draining: hold every connection of the pool.
	ctx := context.Background()
	var held []*pgxpool.Conn
	for range f.pool.Config().MaxConns {
		c, err := f.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	agent := f.agents[0]
	mk := func(n int) *Pending {
		b := &Batch{}
		now := time.Now().UnixMilli()
		for i := range n {
			b.Times = append(b.Times, now+int64(i))
			b.Values = append(b.Values, 1)
			b.SeriesIDs = append(b.SeriesIDs, 1)
		}
		return &Pending{TenantID: f.tenant, AgentID: &agent, Batch: b}
	}
	first := make(chan error, 1)
	go func() {
		_, err := f.pipe.Submit(ctx, mk(8)) // the flusher takes it and blocks on Acquire
		first <- err
	}()
	time.Sleep(50 * time.Millisecond)
	second := make(chan error, 1)
	go func() { _, err := f.pipe.Submit(ctx, mk(8)); second <- err }() // queued: 8 of 10 rows
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	_, err := f.pipe.Submit(ctx, mk(8))
	if !errors.Is(err, ErrOverloaded) {
		t.Fatalf("third batch: err = %v, want ErrOverloaded", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("refusal took %v; a full ring must answer at once", d)
	}
	for _, c := range held {
		c.Release()
	}
	held = nil
	if err := <-first; err != nil {
		t.Errorf("first batch after release: %v", err)
	}
	if err := <-second; err != nil {
		t.Errorf("second batch after release: %v", err)
	}
}
