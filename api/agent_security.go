package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// rotateAgentToken gives the agent a new token, shown once; the old one
// stops working at once.
func (s *Server) rotateAgentToken(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	token, hash, err := auth.NewToken(auth.KindAgent)
	if err != nil {
		return err
	}
	if err := s.store.RotateAgentToken(c.UserContext(), p.TenantID, id, hash, s.auditEvent(c, "agent_token_rotated")); err != nil {
		return err
	}
	s.agentTokens.forget(id)
	return c.JSON(wire.RegisterResponse{AgentID: id.String(), AgentToken: token})
}

// rotateSigningKey clears the agent's pinned signing key: its next
// registration pins the key it offers (trust on first use again).
func (s *Server) rotateSigningKey(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.ClearSigningKey(c.UserContext(), p.TenantID, id, s.auditEvent(c, "agent_signing_key_cleared")); err != nil {
		return err
	}
	s.agentTokens.forget(id)
	return c.SendStatus(http.StatusNoContent)
}
