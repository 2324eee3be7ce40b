package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/governance"
)

// governanceBody is the record as the API reads and writes it.
type governanceBody = governance.Record

func (s *Server) getGovernance(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.store.Governance(c.UserContext(), p.TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// putGovernance replaces the record; the change is audited in the same
// transaction.
func (s *Server) putGovernance(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r governanceBody
	if err := s.decodeJSON(c, &r, true); err != nil {
		return err
	}
	if errs := r.Validate(); len(errs) > 0 {
		out := make([]FieldError, len(errs))
		for i, e := range errs {
			out[i] = FieldError{Field: e.Field, Message: e.Message}
		}
		return invalid(out)
	}
	if err := s.store.SetGovernance(c.UserContext(), p.TenantID, id, r, s.auditEvent(c, "agent_governance_updated")); err != nil {
		return err
	}
	return c.Status(http.StatusOK).JSON(r)
}
