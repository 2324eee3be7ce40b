package api

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/ingest"
)

// remoteWrite is POST /api/v1/write, Prometheus remote-write v1: a snappy
// WriteRequest whose series belong to the calling agent, or to the tenant
// when an API key sends them. Same caps and the same rule as ingest: 204
// only after commit. Remote-write has no batch id, so a retried request
// may store its samples twice, as with any remote-write receiver.
func (s *Server) remoteWrite(c *fiber.Ctx) error {
	p := principalOf(c)
	enc := strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)))
	if enc != "snappy" {
		s.ingest.sink.Reject("encoding")
		return newProblem(http.StatusUnsupportedMediaType, "unsupported-encoding", "remote-write bodies must be Content-Encoding: snappy")
	}
	body := rawBody(c)
	if len(body) > s.ingest.cfg.MaxCompressed {
		s.ingest.sink.Reject("too_large")
		return newProblem(http.StatusRequestEntityTooLarge, "body-too-large", "the body is larger than the ingest limit")
	}
	scratch := s.ingest.get()
	reuse := true
	defer func() {
		if reuse {
			s.ingest.put(scratch)
		}
	}()
	decoded, err := s.ingest.decomp.Decode("snappy", body, scratch.decoded)
	if err != nil {
		return s.decodeFailure(err)
	}
	scratch.decoded = decoded
	b := &scratch.batch
	if err := ingest.DecodeRemoteWrite(decoded, b, s.ingest.cfg.Limits); err != nil {
		return s.decodeFailure(err)
	}
	item := &scratch.pending
	item.TenantID, item.Batch = p.TenantID, b
	var owner *uuid.UUID
	if p.Agent != nil {
		owner = &p.Agent.ID
		item.AgentID = owner
	}
	if err := s.validateBatch(b, item); err != nil {
		s.ingest.sink.Reject("invalid")
		return err
	}
	if err := s.ingest.resolver.Resolve(c.UserContext(), p.TenantID, owner, b); err != nil {
		s.log.Warn("series resolution failed", "tenant_id", p.TenantID, "err", err)
		return unavailable("storage is not answering; retry later", 5)
	}
	if b.SampleCount() == 0 {
		return c.SendStatus(http.StatusNoContent)
	}
	_, err = s.ingest.sink.Submit(c.UserContext(), item)
	if isCancel(err) {
		reuse = false
	}
	if err != nil {
		return submitFailure(err)
	}
	return c.SendStatus(http.StatusNoContent)
}
