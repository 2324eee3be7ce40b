package api

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/ingest"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// ingestBatch is POST /api/v1/ingest (DESIGN.md §4): ingest.Service checks,
// decodes and submits the body; the answer comes after the commit of the
// flush that holds the batch. Refusals become problems in errorHandler.
func (s *Server) ingestBatch(c *fiber.Ctx) error {
	agent := principalOf(c).Agent
	res, err := s.ingest.Accept(c.UserContext(), ingest.Request{
		Format: ingest.FormatBatch, Encoding: c.Get(fiber.HeaderContentEncoding), Body: rawBody(c),
		TenantID: agent.TenantID, AgentID: &agent.ID, SigningKey: agent.SigningPubkey,
		Timestamp: c.Get(wire.HeaderTimestamp), Signature: c.Get(wire.HeaderSignature),
	})
	if sigErr := (*ingest.SignatureError)(nil); errors.As(err, &sigErr) {
		s.checkRetiredKey(c, agent)
	}
	if err != nil {
		return err
	}
	return c.JSON(wire.IngestResponse{BatchID: res.BatchID.String(), Samples: res.Samples, Duplicate: res.Duplicate})
}

// checkRetiredKey looks at a batch whose signature failed: signed by a key
// the agent was pinned to before (cleared by an admin or rotated away),
// it means someone kept a copy of that key, and raises the integrity
// anomaly retired_key_signature (once while one is open). The batch is
// refused either way; a failure here is logged, not answered.
func (s *Server) checkRetiredKey(c *fiber.Ctx, agent *store.Agent) {
	ctx := c.UserContext()
	keys, err := s.store.RetiredSigningKeys(ctx, agent.TenantID, agent.ID)
	if err != nil || len(keys) == 0 {
		return
	}
	sum := sha256.Sum256(rawBody(c))
	for _, k := range keys {
		if len(k) != ed25519.PublicKeySize {
			continue
		}
		if _, err := wire.VerifyDigest(k, wire.PurposeIngest, agent.ID.String(), c.Get(wire.HeaderTimestamp),
			c.Get(wire.HeaderSignature), sum, time.Now(), nil); err != nil {
			continue
		}
		open, err := s.store.HasOpenAnomaly(ctx, agent.TenantID, agent.ID, "retired_key_signature")
		if err == nil && !open {
			fp := sha256.Sum256(k)
			err = s.store.RecordAnomaly(ctx, agent.TenantID, &agent.ID, "retired_key_signature",
				map[string]any{"key_sha256": hex.EncodeToString(fp[:])}, c.IP())
		}
		if err != nil {
			s.log.WarnContext(ctx, "cannot record a retired key's signature", "agent_id", agent.ID, "err", err)
		}
		return
	}
}
