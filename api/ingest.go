package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/ingest"
	"github.com/monsys/monsys/wire"
)

// IngestSink commits decoded batches; *ingest.Pipeline is the real one,
// benchmarks put a sink in its place.
type IngestSink interface {
	Submit(ctx context.Context, item *ingest.Pending) (ingest.Result, error)
	Reject(reason string)
}

// SeriesResolver assigns storage ids to a batch's series.
type SeriesResolver interface {
	Resolve(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID, b *ingest.Batch) error
}

// IngestConfig bounds what one batch may be.
type IngestConfig struct {
	MaxCompressed int           // bytes as sent (default 8 MiB)
	MaxDecoded    int           // bytes after decompression (default 32 MiB)
	MaxSampleAge  time.Duration // oldest sample accepted (raw retention)
	MaxFuture     time.Duration // newest sample accepted, ahead of the hub's clock
	Limits        ingest.Limits
	// BatchesPerMinute is the per-agent rate limit of /ingest (default 60).
	BatchesPerMinute int
}

// maxRequestBody is the default cap on an ingest body as sent, and so on
// every body the server reads.
const maxRequestBody = 8 << 20

// ingestDeps are the collaborators of the ingest routes.
type ingestDeps struct {
	cfg      IngestConfig
	sink     IngestSink
	resolver SeriesResolver
	decomp   *ingest.Decompressor
	buffers  sync.Pool // *ingestScratch
}

// ingestScratch is one request's reusable memory.
type ingestScratch struct {
	decoded []byte
	batch   ingest.Batch
	pending ingest.Pending
}

func newIngestDeps(in IngestDeps) (*ingestDeps, error) {
	if in.Sink == nil || in.Resolver == nil {
		return nil, errors.New("api: ingest needs a sink and a series resolver")
	}
	cfg := in.Config
	if cfg.MaxCompressed <= 0 {
		cfg.MaxCompressed = maxRequestBody
	}
	if cfg.MaxDecoded <= 0 {
		cfg.MaxDecoded = 32 << 20
	}
	if cfg.MaxSampleAge <= 0 {
		cfg.MaxSampleAge = 7 * 24 * time.Hour
	}
	if cfg.MaxFuture <= 0 {
		cfg.MaxFuture = 10 * time.Minute
	}
	if cfg.BatchesPerMinute <= 0 {
		cfg.BatchesPerMinute = 60
	}
	if cfg.Limits == (ingest.Limits{}) {
		cfg.Limits = ingest.DefaultLimits
	}
	d, err := ingest.NewDecompressor(cfg.MaxDecoded)
	if err != nil {
		return nil, err
	}
	return &ingestDeps{cfg: cfg, sink: in.Sink, resolver: in.Resolver, decomp: d}, nil
}

func (d *ingestDeps) get() *ingestScratch {
	if s, ok := d.buffers.Get().(*ingestScratch); ok {
		return s
	}
	return &ingestScratch{}
}

func (d *ingestDeps) put(s *ingestScratch) {
	if cap(s.decoded) > 4<<20 { // do not pin rare huge buffers
		s.decoded = nil
	}
	s.pending = ingest.Pending{}
	d.buffers.Put(s)
}

// ingestBatch is POST /api/v1/ingest (DESIGN.md §4): verify the signature
// over the bytes as sent, decompress under the cap, decode, resolve series,
// and answer only after the flush holding the batch has committed.
func (s *Server) ingestBatch(c *fiber.Ctx) error {
	p := principalOf(c)
	agent := p.Agent
	enc := strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)))
	if enc != "zstd" && enc != "gzip" && enc != "identity" && enc != "" {
		s.ingest.sink.Reject("encoding")
		return newProblem(http.StatusUnsupportedMediaType, "unsupported-encoding", "Content-Encoding must be zstd, gzip or identity")
	}
	body := rawBody(c)
	if len(body) > s.ingest.cfg.MaxCompressed {
		s.ingest.sink.Reject("too_large")
		return newProblem(http.StatusRequestEntityTooLarge, "body-too-large",
			fmt.Sprintf("the body is %d bytes as sent; the limit is %d", len(body), s.ingest.cfg.MaxCompressed))
	}
	// One hash of the bytes as sent serves the signature and the ledger,
	// whose fingerprint of a batch is therefore its exact bytes: a retry
	// must resend them unchanged, as the agent's spool does.
	bodySum := sha256.Sum256(body)
	if len(agent.SigningPubkey) > 0 {
		if _, err := wire.VerifyDigest(agent.SigningPubkey, wire.PurposeIngest, agent.ID.String(),
			c.Get(wire.HeaderTimestamp), c.Get(wire.HeaderSignature), bodySum, time.Now(), nil); err != nil {
			s.ingest.sink.Reject("signature")
			return unauthorized("signature check failed: " + err.Error())
		}
	}
	scratch := s.ingest.get()
	reuse := true // false while a flusher may still read the batch
	defer func() {
		if reuse {
			s.ingest.put(scratch)
		}
	}()
	decoded, err := s.ingest.decomp.Decode(enc, body, scratch.decoded)
	if err != nil {
		return s.decodeFailure(err)
	}
	if enc != "" && enc != "identity" {
		scratch.decoded = decoded
	}
	b := &scratch.batch
	if err := ingest.Decode(decoded, b, s.ingest.cfg.Limits); err != nil {
		return s.decodeFailure(err)
	}
	item := &scratch.pending
	item.TenantID, item.AgentID, item.HasBatchID, item.Batch = agent.TenantID, &agent.ID, true, b
	item.BodySHA256 = bodySum
	if err := s.validateBatch(b, item); err != nil {
		s.ingest.sink.Reject("invalid")
		return err
	}
	if err := s.ingest.resolver.Resolve(c.UserContext(), agent.TenantID, &agent.ID, b); err != nil {
		s.log.Warn("series resolution failed", "agent_id", agent.ID, "err", err)
		return unavailable("storage is not answering; retry later", 5)
	}
	res, err := s.ingest.sink.Submit(c.UserContext(), item)
	if isCancel(err) {
		reuse = false // queued, not answered: the flusher owns the batch now
	}
	if err != nil {
		return submitFailure(err)
	}
	return c.JSON(wire.IngestResponse{BatchID: uuid.UUID(b.BatchID).String(), Samples: b.SampleCount(), Duplicate: res.Duplicate})
}

// validateBatch checks sample times against the accepted window and
// decodes the small optional parts into their types.
func (s *Server) validateBatch(b *ingest.Batch, item *ingest.Pending) error {
	now := time.Now()
	if b.SampleCount() > 0 {
		oldest := now.Add(-s.ingest.cfg.MaxSampleAge).UnixMilli()
		newest := now.Add(s.ingest.cfg.MaxFuture).UnixMilli()
		if b.MinTimeMs < oldest || b.MaxTimeMs > newest {
			return invalid([]FieldError{{Field: "metrics[].samples", Message: fmt.Sprintf(
				"sample times must lie between %s and %s (unix ms %d..%d); this batch spans %d..%d",
				time.UnixMilli(oldest).UTC().Format(time.RFC3339), time.UnixMilli(newest).UTC().Format(time.RFC3339),
				oldest, newest, b.MinTimeMs, b.MaxTimeMs)}})
		}
	}
	var errs []FieldError
	if b.Heartbeat != nil {
		item.Heartbeat = new(wire.Heartbeat)
		if err := json.Unmarshal(b.Heartbeat, item.Heartbeat); err != nil || item.Heartbeat.UptimeS < 0 ||
			item.Heartbeat.IntervalS < 0 || item.Heartbeat.IntervalS > 86400 || len(item.Heartbeat.AgentVersion) > 64 {
			errs = append(errs, FieldError{Field: "heartbeat", Message: "want {uptime_s ≥ 0, agent_version ≤ 64 bytes, interval_s 0..86400}"})
		}
	}
	if b.Inventory != nil {
		if err := json.Unmarshal(b.Inventory, &item.Inventory); err != nil {
			errs = append(errs, FieldError{Field: "inventory", Message: "want [{kind, items, collected_at?, error?}]"})
		}
		for i, part := range item.Inventory {
			if n := len(part.Kind); n == 0 || n > 64 {
				errs = append(errs, FieldError{Field: fmt.Sprintf("inventory[%d].kind", i), Message: "must be 1 to 64 bytes"})
			}
		}
	}
	if b.Alerts != nil {
		if err := json.Unmarshal(b.Alerts, &item.Alerts); err != nil {
			errs = append(errs, FieldError{Field: "alerts", Message: "want [{key, severity, summary, state}]"})
		}
		for i, a := range item.Alerts {
			if n := len(a.Key); n == 0 || n > 512 {
				errs = append(errs, FieldError{Field: fmt.Sprintf("alerts[%d].key", i), Message: "must be 1 to 512 bytes"})
			}
			if a.State != "firing" && a.State != "resolved" {
				errs = append(errs, FieldError{Field: fmt.Sprintf("alerts[%d].state", i), Message: "must be firing or resolved"})
			}
			if a.State == "firing" && a.Severity != "info" && a.Severity != "warning" && a.Severity != "critical" {
				errs = append(errs, FieldError{Field: fmt.Sprintf("alerts[%d].severity", i), Message: "must be info, warning or critical"})
			}
		}
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	return nil
}

// decodeFailure maps decompression and decoding errors to 400/413/415/422.
func (s *Server) decodeFailure(err error) error {
	var syn *ingest.SyntaxError
	var fe *ingest.FieldError
	switch {
	case errors.Is(err, ingest.ErrTooLarge):
		s.ingest.sink.Reject("too_large")
		return newProblem(http.StatusRequestEntityTooLarge, "body-too-large",
			fmt.Sprintf("the decoded body exceeds %d bytes", s.ingest.cfg.MaxDecoded))
	case errors.Is(err, ingest.ErrUnsupportedEncoding):
		s.ingest.sink.Reject("encoding")
		return newProblem(http.StatusUnsupportedMediaType, "unsupported-encoding", err.Error())
	case errors.Is(err, ingest.ErrCorrupt):
		s.ingest.sink.Reject("corrupt")
		return badRequest(err.Error())
	case errors.As(err, &syn):
		s.ingest.sink.Reject("malformed")
		return badRequest("the batch is not valid: " + syn.Error())
	case errors.As(err, &fe):
		s.ingest.sink.Reject("invalid")
		return invalid([]FieldError{{Field: fe.Field, Message: fe.Msg}})
	}
	return err
}

// submitFailure maps pipeline errors: everything but a reused batch id is
// the hub's trouble, answered 503 so the agent retries.
func submitFailure(err error) error {
	switch {
	case errors.Is(err, ingest.ErrBatchMismatch):
		return invalid([]FieldError{{Field: "batch_id", Message: "this batch id was already stored with a different body; use a new batch id for new data"}})
	case errors.Is(err, ingest.ErrOverloaded):
		return unavailable("the hub is at capacity; retry shortly", 1)
	case errors.Is(err, ingest.ErrClosed):
		return unavailable("the hub is shutting down; retry against it or another hub", 2)
	case errors.Is(err, ingest.ErrStorage):
		return unavailable("storage did not commit the batch; nothing of it was kept; retry", 5)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return unavailable("the request ended before its batch was committed; retry (the batch id makes it safe)", 1)
	}
	return err
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func unavailable(detail string, retryAfter int) *Problem {
	p := newProblem(http.StatusServiceUnavailable, "unavailable", detail)
	p.RetryAfter = retryAfter
	return p
}
