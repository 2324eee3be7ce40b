package ingest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/wire"
)

// TestAbandonedBatchIsCommittedAndNotReused: a request that ends while
// its batch waits for a flush answers ErrAbandoned; the batch still
// commits as it was sent, and its memory is not handed to the next
// request meanwhile (the rule of Pipeline.Submit, kept by Accept).
func TestAbandonedBatchIsCommittedAndNotReused(t *testing.T) {
	f := newFixture(t, 1, Config{Shards: 1})
	svc, err := NewService(ServiceConfig{}, f.pipe, f.resolver, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	agent := f.agents[0]
	base := time.Now().Add(-time.Hour)
	batch := func(value float64) []byte {
		wb := recentBatch(uuid.Must(uuid.NewV7()), 3, 4, base)
		for i := range wb.Metrics {
			for j := range wb.Metrics[i].Samples {
				wb.Metrics[i].Samples[j].Value = value
			}
		}
		return wire.AppendBatchJSON(nil, wb)
	}
	accept := func(ctx context.Context, body []byte) error {
		_, err := svc.Accept(ctx, Request{Format: FormatBatch, Body: body, TenantID: f.tenant, AgentID: &agent})
		return err
	}
	// Warm the series cache, so that the requests below need no connection
	// before they reach the ring.
	if err := accept(context.Background(), batch(0)); err != nil {
		t.Fatal(err)
	}
	var held []*pgxpool.Conn
	for range f.pool.Config().MaxConns {
		c, err := f.pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	release := func() {
		for _, c := range held {
			c.Release()
		}
		held = nil
	}
	defer release()

	ctx, cancel := context.WithCancel(context.Background())
	abandoned := make(chan error, 1)
	go func() { abandoned <- accept(ctx, batch(1)) }()
	time.Sleep(100 * time.Millisecond) // queued; its flush waits for a connection
	cancel()
	if err := <-abandoned; !errors.Is(err, ErrAbandoned) || !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned request: err = %v, want ErrAbandoned wrapping context.Canceled", err)
	}
	next := make(chan error, 1)
	go func() { next <- accept(context.Background(), batch(2)) }() // decodes while the first batch waits
	time.Sleep(100 * time.Millisecond)
	release()
	if err := <-next; err != nil {
		t.Fatalf("next request: %v", err)
	}
	for value, want := range map[float64]int{0: 12, 1: 12, 2: 12} {
		var n int
		if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM samples WHERE value = $1`, value).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%d samples of value %v stored, want %d (the batch of each request, once)", n, value, want)
		}
	}
}

// TestDrainAndMaxWait: with the flusher stuck on a database that does not
// answer, a request waits MaxWait and answers ErrAbandoned (its batch
// commits later); after Drain a new body is refused with ErrClosed at
// once while one already under way still commits.
func TestDrainAndMaxWait(t *testing.T) {
	f := newFixture(t, 1, Config{Shards: 1})
	const wait = 300 * time.Millisecond
	svc, err := NewService(ServiceConfig{MaxWait: wait}, f.pipe, f.resolver, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	agent := f.agents[0]
	base := time.Now().Add(-time.Hour)
	accept := func() error {
		body := wire.AppendBatchJSON(nil, recentBatch(uuid.Must(uuid.NewV7()), 3, 4, base))
		_, err := svc.Accept(context.Background(), Request{Format: FormatBatch, Body: body, TenantID: f.tenant, AgentID: &agent})
		return err
	}
	if err := accept(); err != nil { // the series are cached from now on
		t.Fatal(err)
	}
	var held []*pgxpool.Conn
	for range f.pool.Config().MaxConns {
		c, err := f.pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	release := func() {
		for _, c := range held {
			c.Release()
		}
		held = nil
	}
	defer release()

	start := time.Now()
	if err := accept(); !errors.Is(err, ErrAbandoned) {
		t.Fatalf("request on a database that does not answer: %v, want ErrAbandoned", err)
	}
	if took := time.Since(start); took < wait || took > wait+2*time.Second {
		t.Errorf("the refusal took %v, want MaxWait (%v)", took, wait)
	}
	svc.cfg.MaxWait = time.Minute // the next request waits for its commit
	underWay := make(chan error, 1)
	go func() { underWay <- accept() }()
	time.Sleep(100 * time.Millisecond) // queued behind the stuck flush
	svc.Drain()
	start = time.Now()
	if err := accept(); !errors.Is(err, ErrClosed) || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("request after Drain: %v after %v, want ErrClosed at once", err, time.Since(start))
	}
	release()
	if err := <-underWay; err != nil {
		t.Fatalf("request under way at Drain: %v, want its commit", err)
	}
	if n := countSamples(t, f.pool); n != 36 {
		t.Fatalf("%d samples stored, want 36: the first batch, the abandoned one and the one under way", n)
	}
}
