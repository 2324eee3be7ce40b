package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

type memberReply struct {
	UserID      uuid.UUID  `json:"user_id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        auth.Role  `json:"role"`
	TOTPEnabled bool       `json:"totp_enabled"`
	JoinedAt    time.Time  `json:"joined_at"`
	DisabledAt  *time.Time `json:"disabled_at,omitempty"`
}

type memberRoleRequest struct {
	Role string `json:"role"`
}

func toMemberReply(m store.Member) memberReply {
	return memberReply{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role, TOTPEnabled: m.TOTPEnabled,
		JoinedAt: utc(m.JoinedAt), DisabledAt: utcPtr(m.DisabledAt)}
}

// listMembers pages through the tenant's people.
func (s *Server) listMembers(c *fiber.Ctx) error {
	p := principalOf(c)
	limit, after, err := idPage(c)
	if err != nil {
		return err
	}
	ms, err := s.store.Members(c.UserContext(), p.TenantID, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(ms, limit, toMemberReply, func(m store.Member) any { return m.UserID }))
}

// setMemberRole changes a member's role: never above the caller's, never
// for someone above the caller, never leaving the tenant without an owner.
func (s *Server) setMemberRole(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req memberRoleRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return invalid([]FieldError{{Field: "role", Message: err.Error()}})
	}
	if !p.Role.AtLeast(role) {
		return invalid([]FieldError{{Field: "role", Message: "cannot exceed your own role (" + string(p.Role) + ")"}})
	}
	return memberAnswer(c, s.store.SetMemberRole(c.UserContext(), p.TenantID, id, role, p.Role, s.auditEvent(c, "role_changed")))
}

// removeMember takes a person out of the tenant and ends their sessions
// there.
func (s *Server) removeMember(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return memberAnswer(c, s.store.RemoveMember(c.UserContext(), p.TenantID, id, p.Role, s.auditEvent(c, "member_removed")))
}

func memberAnswer(c *fiber.Ctx, err error) error {
	if err != nil {
		return err // store.ErrOutranked, ErrLastOwner: errorHandler's table
	}
	return c.SendStatus(http.StatusNoContent)
}
