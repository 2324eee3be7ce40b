package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/ingest"
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
	if err != nil {
		return err
	}
	return c.JSON(wire.IngestResponse{BatchID: res.BatchID.String(), Samples: res.Samples, Duplicate: res.Duplicate})
}
