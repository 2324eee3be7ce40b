package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/ingest"
)

// remoteWrite is POST /api/v1/write, Prometheus remote-write v1: a snappy
// WriteRequest whose series belong to the calling agent, or to the tenant
// when an API key sends them. The same front door, caps and rule as
// ingest: 204 only after commit.
func (s *Server) remoteWrite(c *fiber.Ctx) error {
	p := principalOf(c)
	req := ingest.Request{Format: ingest.FormatRemoteWrite, Encoding: c.Get(fiber.HeaderContentEncoding),
		Body: rawBody(c), TenantID: p.TenantID}
	if p.Agent != nil {
		req.AgentID = &p.Agent.ID
	}
	if _, err := s.ingest.Accept(c.UserContext(), req); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
