package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/console"
)

type emergencyRequest struct {
	Reason  string `json:"reason"`
	Minutes int    `json:"minutes"`
	Code    string `json:"code"`
}

type grantReply = console.Grant

// createEmergencyGrant lets an agent in emergency mode accept consoles for
// a while: an admin, a fresh TOTP code, a reason.
func (s *Server) createEmergencyGrant(c *fiber.Ctx) error {
	p := principalOf(c)
	a, err := s.pathAgent(c) // another tenant's agent answers 404 before anything about the body
	if err != nil {
		return err
	}
	id := a.ID
	var req emergencyRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	req.Reason = strings.TrimSpace(req.Reason)
	var errs []FieldError
	if l := len(req.Reason); l < 1 || l > 500 {
		errs = append(errs, FieldError{"reason", "say why (1 to 500 characters); it is recorded"})
	}
	if req.Minutes < 1 || req.Minutes > 1440 {
		errs = append(errs, FieldError{"minutes", "1 to 1440"})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	if err := s.freshCode(c, req.Code); err != nil {
		return err
	}
	u, err := s.store.User(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	g, err := s.console.CreateGrant(c.UserContext(), p.TenantID, id, p.UserID, u.Email, req.Reason, req.Minutes, s.auditEvent(c, ""))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(g)
}

func (s *Server) listEmergencyGrants(c *fiber.Ctx) error {
	p := principalOf(c)
	a, err := s.pathAgent(c)
	if err != nil {
		return err
	}
	id := a.ID
	gs, err := s.console.Grants(c.UserContext(), p.TenantID, id)
	if err != nil {
		return err
	}
	if gs == nil {
		gs = []console.Grant{}
	}
	return c.JSON(page[grantReply]{Items: gs})
}

func (s *Server) revokeEmergencyGrant(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	gid, err := pathID(c, "grant_id")
	if err != nil {
		return err
	}
	if err := s.console.RevokeGrant(c.UserContext(), p.TenantID, id, gid, p.UserID, s.auditEvent(c, "")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
