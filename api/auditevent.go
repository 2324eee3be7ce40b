package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/audit"
)

// auditEvent starts the audit event of an action by the request's
// principal: tenant, actor and client IP. The store fills in the target
// where it creates it.
func (s *Server) auditEvent(c *fiber.Ctx, typ string) audit.Event {
	ev := audit.Event{Type: typ, IP: c.IP(), ActorType: audit.ActorSystem}
	p := principalOf(c)
	if p == nil {
		return ev
	}
	ev.TenantID = p.TenantID.String()
	switch {
	case p.APIKey != nil:
		ev.ActorType, ev.ActorID = audit.ActorAPIKey, p.APIKey.ID.String()
	case p.Agent != nil:
		ev.ActorType, ev.ActorID = audit.ActorAgent, p.Agent.ID.String()
	case p.Enrollment != nil:
		ev.ActorType = audit.ActorSystem
		ev.Details = map[string]any{"enrollment_token_id": p.Enrollment.ID.String()}
	default:
		ev.ActorType, ev.ActorID = audit.ActorUser, p.UserID.String()
	}
	return ev
}

// userEvent is the audit event of an action by a person who is not (yet)
// a principal: a login, a password reset.
func userEvent(c *fiber.Ctx, typ, tenantID, userID string) audit.Event {
	return audit.Event{TenantID: tenantID, ActorType: audit.ActorUser, ActorID: userID, Type: typ,
		TargetType: "user", TargetID: userID, IP: c.IP()}
}
