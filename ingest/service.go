package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// Sink commits pending batches; *Pipeline is the real one, benchmarks of
// the front half put a sink in its place.
type Sink interface {
	// Submit queues item and waits for the commit of the flush that holds
	// it. Ownership of item follows Pipeline.Submit.
	Submit(ctx context.Context, item *Pending) (Result, error)
	// Reject counts a body refused before it reached the sink, by reason.
	Reject(reason string)
}

// Format is the grammar of a request body.
type Format int

const (
	// FormatBatch is the agent protocol (DESIGN.md §4): signed JSON, one
	// batch id per body, deduplicated.
	FormatBatch Format = iota
	// FormatRemoteWrite is Prometheus remote-write v1: snappy protobuf, no
	// batch id, so a retried request may store its samples twice.
	FormatRemoteWrite
)

// Request is one body offered to ingest, with who sent it. Body and the
// header strings are read only during Accept.
type Request struct {
	Format   Format
	Encoding string // Content-Encoding as sent
	Body     []byte // the bytes as sent
	TenantID uuid.UUID
	// AgentID owns the series; nil for remote-write sent with an API key,
	// whose series belong to the tenant.
	AgentID *uuid.UUID
	// SigningKey is the agent's pinned Ed25519 key; when set, a batch must
	// carry a valid signature over the bytes as sent (X-Monsys-Timestamp
	// and X-Monsys-Signature in Timestamp and Signature).
	SigningKey           []byte
	Timestamp, Signature string
}

// Receipt is what a committed batch answers.
type Receipt struct {
	BatchID   uuid.UUID // zero for remote-write
	Samples   int
	Duplicate bool // the batch id was committed before; nothing was written now
}

// ServiceConfig bounds what one request may be. Zero fields take the
// defaults below, the one place they are set.
type ServiceConfig struct {
	MaxCompressed int           // bytes as sent (default 8 MiB)
	MaxDecoded    int           // bytes after decompression (default 32 MiB)
	MaxSampleAge  time.Duration // oldest sample accepted: the raw retention (default 7 days)
	MaxFuture     time.Duration // newest sample accepted, ahead of the hub's clock (default 10 minutes)
	Limits        Limits        // per-batch counts and lengths (default DefaultLimits)
	// MemoryBudget bounds the bytes all requests hold at once for bodies,
	// decompression and decoding (default DefaultMemoryBudget); see Budget.
	MemoryBudget int64
	// MaxWait bounds how long a request waits for storage (series
	// resolution and the commit of its flush) before it is answered
	// ErrAbandoned, so a slow database answers 503 in bounded time
	// (default 10 s).
	MaxWait time.Duration
}

// Defaults of ServiceConfig.
const (
	DefaultMaxCompressed = 8 << 20
	DefaultMaxDecoded    = 32 << 20
	DefaultMaxSampleAge  = 7 * 24 * time.Hour
	DefaultMaxFuture     = 10 * time.Minute
	DefaultMaxWait       = 10 * time.Second
)

func (c *ServiceConfig) defaults() {
	if c.MaxCompressed <= 0 {
		c.MaxCompressed = DefaultMaxCompressed
	}
	if c.MaxDecoded <= 0 {
		c.MaxDecoded = DefaultMaxDecoded
	}
	if c.MaxSampleAge <= 0 {
		c.MaxSampleAge = DefaultMaxSampleAge
	}
	if c.MaxFuture <= 0 {
		c.MaxFuture = DefaultMaxFuture
	}
	if c.MaxWait <= 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.Limits == (Limits{}) {
		c.Limits = DefaultLimits
	}
	if c.MemoryBudget <= 0 {
		c.MemoryBudget = DefaultMemoryBudget
	}
}

// Service is ingest's one front door: every body of samples, whatever its
// format, is checked, decoded, validated, resolved and submitted by Accept
// in the same order. It owns the pool of per-request memory. Safe for
// concurrent use.
type Service struct {
	cfg      ServiceConfig
	sink     Sink
	resolver *Resolver
	decomp   *Decompressor
	budget   *Budget
	log      *slog.Logger
	scratch  sync.Pool // *scratch
	draining atomic.Bool
}

// scratch is one request's reusable memory: the decoded body, the batch
// and its pending entry.
type scratch struct {
	decoded []byte
	batch   Batch
	pending Pending
}

// NewService accepts bodies under cfg into sink, resolving series with
// resolver.
func NewService(cfg ServiceConfig, sink Sink, resolver *Resolver, log *slog.Logger) (*Service, error) {
	if sink == nil || resolver == nil {
		return nil, errors.New("ingest service needs a sink and a series resolver")
	}
	cfg.defaults()
	d, err := NewDecompressor(cfg.MaxDecoded)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, sink: sink, resolver: resolver, decomp: d, budget: NewBudget(cfg.MemoryBudget),
		log: log.With("component", "ingest")}, nil
}

// Budget is the hub-wide bound on request memory, for its metrics.
func (s *Service) Budget() *Budget { return s.budget }

// Drain makes Accept refuse every body from now on with ErrClosed, while
// the calls already under way go on to their commit: the hub's shutdown
// calls it first, then waits for the requests in flight, then closes the
// pipeline.
func (s *Service) Drain() { s.draining.Store(true) }

// Storage is what the sink knows of storage (Pipeline.Storage); a sink
// that cannot tell reports storage that commits.
func (s *Service) Storage() StorageState {
	if r, ok := s.sink.(interface{ Storage() StorageState }); ok {
		return r.Storage()
	}
	return StorageState{}
}

// MaxCompressed is the largest body Accept takes as sent; the HTTP server
// must read bodies at least this large.
func (s *Service) MaxCompressed() int { return s.cfg.MaxCompressed }

// Accept takes one body through every step — size cap, signature over the
// bytes as sent, decompression under its cap, decoding, validation,
// series resolution — and submits it, answering after the commit of the
// flush that holds it.
//
// Its errors are refusals the client can act on, returned unwrapped so
// that their message is what the client is told: ErrUnsupportedEncoding,
// ErrTooLarge, ErrCorrupt, *SignatureError, *SyntaxError, *FieldError,
// FieldErrors, ErrBatchMismatch and ErrUnstorable; or the hub's trouble,
// worth a retry: ErrOverloaded (a full ring, or no room in the memory
// Budget), ErrClosed, ErrStorage and ErrAbandoned.
func (s *Service) Accept(ctx context.Context, req Request) (Receipt, error) {
	if s.draining.Load() {
		s.sink.Reject("closing")
		return Receipt{}, ErrClosed
	}
	enc := strings.ToLower(strings.TrimSpace(req.Encoding))
	if err := s.checkEncoding(req.Format, enc); err != nil {
		return Receipt{}, err
	}
	if len(req.Body) > s.cfg.MaxCompressed {
		s.sink.Reject("too_large")
		return Receipt{}, refuse(ErrTooLarge, "the body is %d bytes as sent; the limit is %d", len(req.Body), s.cfg.MaxCompressed)
	}
	// The lease ends with Accept even when an abandoned batch stays queued
	// (see Submit): its memory is then counted by the ring's row bound.
	mem := lease{b: s.budget}
	defer mem.release()
	if !mem.take(len(req.Body)) {
		return Receipt{}, s.noMemory(&mem)
	}
	var bodySum [32]byte
	if req.Format == FormatBatch {
		// One hash of the bytes as sent serves the signature and the
		// ledger, whose fingerprint of a batch is therefore its exact
		// bytes: a retry must resend them unchanged, as the agent's spool
		// does.
		bodySum = sha256.Sum256(req.Body)
		if err := s.verify(req, bodySum); err != nil {
			return Receipt{}, err
		}
	}
	sc := s.get()
	recycle := true // false once the pipeline owns the batch (see Pipeline.Submit)
	defer func() {
		if recycle {
			s.put(sc)
		}
	}()
	b := &sc.batch
	if err := s.decode(req.Format, enc, req.Body, sc, &mem); err != nil {
		return Receipt{}, err
	}
	if !mem.take(b.footprint()) {
		return Receipt{}, s.noMemory(&mem)
	}
	item := &sc.pending
	item.TenantID, item.AgentID, item.Batch = req.TenantID, req.AgentID, b
	item.HasBatchID, item.BodySHA256 = req.Format == FormatBatch, bodySum
	if err := s.validate(time.Now(), item); err != nil {
		s.sink.Reject("invalid")
		return Receipt{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.MaxWait)
	defer cancel()
	if err := s.resolver.Resolve(ctx, req.TenantID, req.AgentID, b); err != nil {
		s.log.Warn("series resolution failed", "tenant_id", req.TenantID, "err", err)
		if store.Unstorable(err) {
			return Receipt{}, fmt.Errorf("%w: resolve series: %v", ErrUnstorable, err)
		}
		return Receipt{}, fmt.Errorf("%w: resolve series: %v", ErrStorage, err)
	}
	receipt := Receipt{Samples: b.SampleCount()}
	if item.HasBatchID {
		receipt.BatchID = uuid.UUID(b.BatchID)
	} else if receipt.Samples == 0 {
		return receipt, nil // remote-write of staleness markers only: nothing to store
	}
	res, err := s.sink.Submit(ctx, item)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			recycle = false // queued, not answered: the pipeline owns the batch now
			return Receipt{}, fmt.Errorf("%w: %w", ErrAbandoned, err)
		}
		return Receipt{}, err
	}
	receipt.Duplicate = res.Duplicate
	return receipt, nil
}

// checkEncoding refuses a Content-Encoding the format does not take.
func (s *Service) checkEncoding(f Format, enc string) error {
	switch {
	case f == FormatRemoteWrite && enc != "snappy":
		s.sink.Reject("encoding")
		return refuse(ErrUnsupportedEncoding, "remote-write bodies must be Content-Encoding: snappy")
	case f == FormatBatch && enc != "zstd" && enc != "gzip" && enc != "identity" && enc != "":
		s.sink.Reject("encoding")
		return refuse(ErrUnsupportedEncoding, "Content-Encoding must be zstd, gzip or identity")
	}
	return nil
}

// verify checks the batch's signature when its agent has a pinned key.
func (s *Service) verify(req Request, bodySum [32]byte) error {
	if len(req.SigningKey) == 0 || req.AgentID == nil {
		return nil
	}
	if _, err := wire.VerifyDigest(req.SigningKey, wire.PurposeIngest, req.AgentID.String(),
		req.Timestamp, req.Signature, bodySum, time.Now(), nil); err != nil {
		s.sink.Reject("signature")
		return &SignatureError{Err: err}
	}
	return nil
}

// decode expands the body into sc and parses it into sc.batch, counting
// each refusal by its reason.
func (s *Service) decode(f Format, enc string, body []byte, sc *scratch, mem *lease) error {
	if f == FormatRemoteWrite {
		enc = "snappy"
	}
	decoded, err := s.decomp.decode(enc, body, sc.decoded, mem)
	if err == nil {
		if enc != "" && enc != "identity" {
			sc.decoded = decoded // identity aliases the request's body: not ours to keep
		}
		if f == FormatRemoteWrite {
			err = DecodeRemoteWrite(decoded, &sc.batch, s.cfg.Limits)
		} else {
			err = Decode(decoded, &sc.batch, s.cfg.Limits)
		}
	}
	var syn *SyntaxError
	var fe *FieldError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNoMemory):
		return s.noMemory(mem)
	case errors.Is(err, ErrTooLarge):
		s.sink.Reject("too_large")
		return refuse(ErrTooLarge, "the decoded body exceeds %d bytes", s.cfg.MaxDecoded)
	case errors.Is(err, ErrUnsupportedEncoding):
		s.sink.Reject("encoding")
	case errors.Is(err, ErrCorrupt):
		s.sink.Reject("corrupt")
	case errors.As(err, &syn):
		s.sink.Reject("malformed")
	case errors.As(err, &fe):
		s.sink.Reject("invalid")
	}
	return err
}

// noMemory refuses a request the memory budget has no room for: 503 with
// Retry-After, like a full ring, when other requests hold the memory; 413
// when this request alone needs more than the whole budget, so that an
// agent does not retry it for ever.
func (s *Service) noMemory(mem *lease) error {
	if mem.neverFits() {
		s.sink.Reject("too_large")
		return refuse(ErrTooLarge, "decoding this body needs more than the hub's whole ingest memory budget (%d MiB); send smaller batches", s.budget.Limit()>>20)
	}
	s.sink.Reject("memory_budget")
	return refuse(ErrOverloaded, "the hub's ingest memory (%d MiB) is in use by other requests; retry shortly", s.budget.Limit()>>20)
}

func (s *Service) get() *scratch {
	if sc, ok := s.scratch.Get().(*scratch); ok {
		return sc
	}
	return &scratch{}
}

func (s *Service) put(sc *scratch) {
	if cap(sc.decoded) > 4<<20 { // do not pin rare huge buffers
		sc.decoded = nil
	}
	sc.pending = Pending{}
	s.scratch.Put(sc)
}
