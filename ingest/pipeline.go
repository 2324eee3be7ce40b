package ingest

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/wire"
)

// Errors of Submit and Accept; the API's error handler turns them into
// HTTP answers.
var (
	// ErrOverloaded: the shard's ring is full; answer 503 with Retry-After.
	ErrOverloaded = errors.New("ingest queue is full")
	// ErrClosed: the hub is shutting down; answer 503.
	ErrClosed = errors.New("ingest is shutting down")
	// ErrStorage: storage failed (series resolution, or the flush holding
	// the batch) or is known not to commit for now (the gate), and nothing
	// of the batch was committed; answer 503 so the agent retries.
	ErrStorage = errors.New("storage failed to commit the batch")
	// ErrAbandoned: the request ended before the flush holding its batch
	// answered; the batch may still commit, and its id makes a retry
	// harmless. Answer 503 so the agent retries.
	ErrAbandoned = errors.New("the request ended before its batch was committed")
	// ErrUnstorable: storage refused the batch for its content (a value
	// PostgreSQL cannot hold, store.Unstorable), and sending it again
	// fails the same way; answer 422 so the agent drops it. The batches it
	// was flushed with are committed without it.
	ErrUnstorable = errors.New("storage refused a value of the batch")
	// ErrBatchMismatch: the batch id was already stored with another body.
	ErrBatchMismatch = errors.New("batch_id was already stored with a different body")
)

// Config sizes the pipeline.
type Config struct {
	Shards         int           // flushers; default GOMAXPROCS, at least 2
	ShardQueueRows int           // rows a shard may hold before refusing (default 400 000)
	FlushRows      int           // a flush takes up to this many rows (default 50 000)
	FlushLinger    time.Duration // a flush waits this long for more rows (default 5 ms)
}

func (c *Config) defaults() {
	if c.Shards <= 0 {
		c.Shards = max(runtime.GOMAXPROCS(0), 2)
	}
	if c.ShardQueueRows <= 0 {
		c.ShardQueueRows = 400_000
	}
	if c.FlushRows <= 0 {
		c.FlushRows = 50_000
	}
	if c.FlushLinger <= 0 {
		c.FlushLinger = 5 * time.Millisecond
	}
}

// Pending is one batch waiting for its flush. Who owns it is said by
// Submit.
type Pending struct {
	TenantID   uuid.UUID
	AgentID    *uuid.UUID // nil for tenant-level remote-write
	HasBatchID bool       // false for remote-write: no dedup ledger
	BodySHA256 [32]byte
	Batch      *Batch
	Heartbeat  *wire.Heartbeat
	Inventory  []wire.InventoryPart
	Alerts     []wire.Alert
	Events     []wire.SecurityEvent

	done chan Result
}

// Result is the outcome of one batch's flush.
type Result struct {
	Duplicate bool
	Err       error
}

// Pipeline holds the sharded rings and their flushers.
type Pipeline struct {
	cfg     Config
	pool    *pgxpool.Pool
	reports AgentReports
	log     *slog.Logger
	metrics *metrics
	shards  []*shard
	gate    *gate
	seed    maphash.Seed
	closing atomic.Bool
	wg      sync.WaitGroup
	stop    context.CancelFunc
}

// New builds the pipeline, which commits samples and the ledger to pool
// and what batches say about their agents through reports; Start
// launches its flushers.
func New(cfg Config, pool *pgxpool.Pool, reports AgentReports, log *slog.Logger, reg prometheus.Registerer) (*Pipeline, error) {
	cfg.defaults()
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{cfg: cfg, pool: pool, reports: reports, log: log.With("component", "ingest"), metrics: m, seed: maphash.MakeSeed(),
		gate: newGate(time.Now)}
	for i := range cfg.Shards {
		p.shards = append(p.shards, newShard(i, cfg.ShardQueueRows))
	}
	m.registerRingDepth(reg, p.shards)
	m.registerStorageState(reg, p.gate)
	return p, nil
}

// Start runs one flusher per shard until Close.
func (p *Pipeline) Start(ctx context.Context) {
	ctx, p.stop = context.WithCancel(context.WithoutCancel(ctx))
	for _, s := range p.shards {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.runFlusher(ctx, s)
		}()
	}
}

// Close refuses new batches (ErrClosed), lets the flushers commit
// everything queued and answer the requests waiting on it, and waits for
// them (or for ctx to end, abandoning the rest with ErrStorage). Call it
// after the HTTP server stopped taking requests; a later call returns at
// once.
func (p *Pipeline) Close(ctx context.Context) error {
	p.closing.Store(true)
	for _, s := range p.shards {
		s.close()
	}
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		p.stop()
		return nil
	case <-ctx.Done():
		select {
		case <-done: // drained just as the deadline passed (or after it had)
			p.stop()
			return nil
		default:
		}
		p.stop()
		<-done
		return fmt.Errorf("drain ingest rings: %w", ctx.Err())
	}
}

// Submit queues a batch on its agent's shard and waits for the commit of
// the flush that holds it. A full ring answers ErrOverloaded at once, and
// so does storage that is not committing (ErrStorage naming the fault),
// but for one batch a second that finds out whether it commits again.
//
// Ownership: when Submit returns anything but ctx's error, the caller
// owns item and its Batch again. If ctx ends first, Submit returns ctx's
// error while the batch stays queued: the pipeline owns item until its
// flush answers, and the caller must neither reuse nor change it (the
// batch may still commit; its id makes a retry harmless).
func (p *Pipeline) Submit(ctx context.Context, item *Pending) (Result, error) {
	if p.closing.Load() {
		return Result{}, ErrClosed
	}
	if ok, fault := p.gate.admit(); !ok {
		p.metrics.rejects.WithLabelValues("storage_failing").Inc()
		return Result{}, fmt.Errorf("%w: %s", ErrStorage, fault)
	}
	if item.done == nil {
		item.done = make(chan Result, 1)
	}
	s := p.shardFor(item)
	if !s.tryPush(item) {
		if p.closing.Load() {
			return Result{}, ErrClosed
		}
		p.metrics.rejects.WithLabelValues("overloaded").Inc()
		return Result{}, ErrOverloaded
	}
	select {
	case r := <-item.done:
		return r, r.Err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// Storage is what the flushes last said of storage: whether it commits,
// and since when it does not.
func (p *Pipeline) Storage() StorageState { return p.gate.get() }

func (p *Pipeline) shardFor(item *Pending) *shard {
	owner := item.TenantID
	if item.AgentID != nil {
		owner = *item.AgentID
	}
	return p.shards[maphash.Bytes(p.seed, owner[:])%uint64(len(p.shards))]
}
