package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

type inviteRequest struct {
	Email          string `json:"email"`
	Role           string `json:"role"`
	ExpiresInHours int    `json:"expires_in_hours,omitempty"` // default 72, at most 720
}

type invitationReply struct {
	ID        uuid.UUID  `json:"id"`
	Email     string     `json:"email"`
	Role      auth.Role  `json:"role"`
	InvitedBy *uuid.UUID `json:"invited_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
}

func toInvitationReply(inv store.Invitation) invitationReply {
	return invitationReply{ID: inv.ID, Email: inv.Email, Role: inv.Role, InvitedBy: inv.InvitedBy,
		CreatedAt: utc(inv.CreatedAt), ExpiresAt: utc(inv.ExpiresAt)}
}

type acceptInviteRequest struct {
	Token    string `json:"token"`
	Name     string `json:"name,omitempty"`
	Password string `json:"password,omitempty"` // needed when the address has no account yet
}

type acceptInviteReply struct {
	Tenant         tenantReply `json:"tenant"`
	Role           auth.Role   `json:"role"`
	AccountCreated bool        `json:"account_created"`
}

// invite asks someone to join the tenant with a role no higher than the
// caller's; the link goes out by mail.
func (s *Server) invite(c *fiber.Ctx) error {
	p := principalOf(c)
	var req inviteRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	req.Email = strings.TrimSpace(req.Email)
	var errs []FieldError
	if len(req.Email) < 3 || len(req.Email) > 320 || !strings.Contains(req.Email, "@") || strings.ContainsAny(req.Email, "\r\n ") {
		errs = append(errs, FieldError{Field: "email", Message: "must be an email address"})
	}
	role, err := auth.ParseRole(req.Role)
	switch {
	case err != nil:
		errs = append(errs, FieldError{Field: "role", Message: err.Error()})
	case !p.Role.AtLeast(role):
		errs = append(errs, FieldError{Field: "role", Message: "cannot exceed your own role (" + string(p.Role) + ")"})
	}
	if req.ExpiresInHours == 0 {
		req.ExpiresInHours = 72
	}
	if req.ExpiresInHours < 1 || req.ExpiresInHours > 720 {
		errs = append(errs, FieldError{Field: "expires_in_hours", Message: "must be 1 to 720"})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	tenant, err := s.store.Tenant(c.UserContext(), p.TenantID)
	if err != nil {
		return err
	}
	secret, hash, err := auth.NewSecret()
	if err != nil {
		return err
	}
	expires := time.Now().Add(time.Duration(req.ExpiresInHours) * time.Hour)
	inv, err := s.store.Invite(c.UserContext(), store.NewInvitation{TenantID: p.TenantID, Email: req.Email, Role: role,
		InvitedBy: p.UserID, TokenHash: hash, ExpiresAt: expires, Audit: s.auditEvent(c, "invitation_sent"),
		Mail: store.Mail{To: req.Email, Subject: "You are invited to " + tenant.Name + " on monsys",
			Body: "You are invited to join " + tenant.Name + " on monsys as " + string(role) + ".\n\n" +
				"Open this link to accept (it works until " + expires.UTC().Format(time.RFC1123) + "):\n\n" +
				s.link("/accept-invite", secret) + "\n"}})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(toInvitationReply(inv))
}

// acceptInvite spends an invitation: an existing account with the invited
// address joins the tenant, or a new account is made with the password.
func (s *Server) acceptInvite(c *fiber.Ctx) error {
	var req acceptInviteRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	var hash string
	if req.Password != "" {
		if err := auth.CheckPasswordPolicy(req.Password); err != nil {
			return invalid([]FieldError{{Field: "password", Message: err.Error()}})
		}
		var err error
		if hash, err = auth.HashPassword(req.Password); err != nil {
			return err
		}
	}
	name := strings.TrimSpace(req.Name)
	if len(name) > 200 {
		return invalid([]FieldError{{Field: "name", Message: "must be at most 200 characters"}})
	}
	a, err := s.store.AcceptInvitation(c.UserContext(), auth.HashToken(req.Token), name, hash, userEvent(c, "invitation_accepted", "", ""))
	if err != nil {
		return answerAs(err, store.ErrNotFound, badRequest("the invitation is unknown, used or expired: ask for a new one"))
	}
	t, err := s.store.Tenant(c.UserContext(), a.Invitation.TenantID)
	if err != nil {
		return err
	}
	return c.JSON(acceptInviteReply{Tenant: tenantReply{ID: t.ID, Name: t.Name, Slug: t.Slug}, Role: a.Invitation.Role, AccountCreated: a.Created})
}

// listInvitations lists the tenant's pending invitations (not accepted,
// not expired), oldest first.
func (s *Server) listInvitations(c *fiber.Ctx) error {
	limit, after, err := idPage(c)
	if err != nil {
		return err
	}
	invs, err := s.store.PendingInvitations(c.UserContext(), principalOf(c).TenantID, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(invs, limit, toInvitationReply, func(i store.Invitation) any { return i.ID }))
}

// revokeInvitation withdraws a pending invitation: its link stops working.
func (s *Server) revokeInvitation(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeInvitation(c.UserContext(), principalOf(c).TenantID, id, s.auditEvent(c, "invitation_revoked")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
