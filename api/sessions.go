package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
)

type sessionReply struct {
	ID         uuid.UUID `json:"id"`
	TenantID   uuid.UUID `json:"tenant_id"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

type tenantMembershipReply struct {
	tenantReply
	Role    auth.Role `json:"role"`
	Current bool      `json:"current"`
}

type switchTenantRequest struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// listSessions shows the caller's own live sessions.
func (s *Server) listSessions(c *fiber.Ctx) error {
	p := principalOf(c)
	ss, err := s.store.UserSessions(c.UserContext(), p.UserID, s.cfg.SessionIdle)
	if err != nil {
		return err
	}
	out := page[sessionReply]{Items: make([]sessionReply, 0, len(ss))}
	for _, x := range ss {
		out.Items = append(out.Items, sessionReply{ID: x.ID, TenantID: x.TenantID, IP: x.IP, UserAgent: x.UserAgent,
			CreatedAt: utc(x.CreatedAt), LastSeenAt: utc(x.LastSeenAt), ExpiresAt: utc(x.ExpiresAt), Current: x.ID == p.Session.ID})
	}
	return c.JSON(out)
}

// revokeSession ends one of the caller's sessions; anyone else's is 404.
func (s *Server) revokeSession(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeUserSession(c.UserContext(), p.UserID, id, s.auditEvent(c, "session_revoked")); err != nil {
		return err
	}
	if id == p.Session.ID {
		c.Cookie(s.sessionCookie("", time.Unix(0, 0)))
	}
	return c.SendStatus(http.StatusNoContent)
}

// listTenants shows the tenants the caller belongs to.
func (s *Server) listTenants(c *fiber.Ctx) error {
	p := principalOf(c)
	ts, err := s.store.UserTenants(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	out := page[tenantMembershipReply]{Items: make([]tenantMembershipReply, 0, len(ts))}
	for _, t := range ts {
		out.Items = append(out.Items, tenantMembershipReply{tenantReply: tenantReply{ID: t.ID, Name: t.Name, Slug: t.Slug},
			Role: t.Role, Current: t.ID == p.TenantID})
	}
	return c.JSON(out)
}

// switchTenant moves the session to another of the caller's tenants.
// Another tenant the caller does not belong to answers 404.
func (s *Server) switchTenant(c *fiber.Ctx) error {
	p := principalOf(c)
	var req switchTenantRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	if err := s.store.SwitchTenant(c.UserContext(), p.Session.ID, p.UserID, req.TenantID); err != nil {
		return err
	}
	m, err := s.store.Membership(c.UserContext(), req.TenantID, p.UserID)
	if err != nil {
		return err
	}
	t, err := s.store.Tenant(c.UserContext(), req.TenantID)
	if err != nil {
		return err
	}
	return c.JSON(tenantMembershipReply{tenantReply: tenantReply{ID: t.ID, Name: t.Name, Slug: t.Slug}, Role: m.Role, Current: true})
}
