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

type createEnrollmentRequest struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	MaxUses   *int32     `json:"max_uses,omitempty"`
}

type enrollmentReply struct {
	ID        uuid.UUID  `json:"id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	MaxUses   *int32     `json:"max_uses,omitempty"`
	Uses      int32      `json:"uses"`
}

type createEnrollmentReply struct {
	enrollmentReply
	Token          string `json:"token"`           // shown once
	Command        string `json:"command"`         // how to enroll a machine with it by hand
	InstallCommand string `json:"install_command"` // how to install and enroll with the hub's script
}

func toEnrollmentReply(t store.EnrollmentToken) enrollmentReply {
	return enrollmentReply{ID: t.ID, Name: t.Name, CreatedAt: utc(t.CreatedAt), ExpiresAt: utcPtr(t.ExpiresAt),
		MaxUses: t.MaxUses, Uses: t.Uses}
}

// EnrollCommand is the shell line that enrolls a machine with token.
func EnrollCommand(publicURL, token string) string {
	return "monsys-agent --hub " + publicURL + " --token " + token + " --state-dir /var/lib/monsys-agent"
}

// InstallCommand is the shell line that downloads the agent from the hub,
// installs it as a service and enrolls the machine with token. Tokens are
// [0-9A-Za-z_] and the URL is the operator's own, so single quotes hold.
func InstallCommand(publicURL, token string) string {
	return "curl -fsSL '" + publicURL + "/api/v1/agent/install.sh?token=" + token + "' | sudo sh"
}

func (s *Server) createEnrollmentToken(c *fiber.Ctx) error {
	p := principalOf(c)
	var req createEnrollmentRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	var errs []FieldError
	if req.Name == "" || len(req.Name) > 200 {
		errs = append(errs, FieldError{Field: "name", Message: "must be 1 to 200 characters"})
	}
	if req.MaxUses != nil && *req.MaxUses < 1 {
		errs = append(errs, FieldError{Field: "max_uses", Message: "must be at least 1 when set"})
	}
	errs = checkFuture("expires_at", req.ExpiresAt, errs)
	if len(errs) > 0 {
		return invalid(errs)
	}
	token, hash, err := auth.NewToken(auth.KindEnrollment)
	if err != nil {
		return err
	}
	var createdBy *uuid.UUID
	if p.UserID != (uuid.UUID{}) {
		createdBy = &p.UserID
	}
	t, err := s.store.CreateEnrollmentToken(c.UserContext(), store.NewEnrollmentToken{TenantID: p.TenantID,
		Name: req.Name, CreatedBy: createdBy, TokenHash: hash, ExpiresAt: req.ExpiresAt, MaxUses: req.MaxUses,
		Audit: s.auditEvent(c, "enrollment_token_created")})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(createEnrollmentReply{enrollmentReply: toEnrollmentReply(t),
		Token: token, Command: EnrollCommand(s.cfg.PublicURL, token), InstallCommand: InstallCommand(s.cfg.PublicURL, token)})
}

func (s *Server) listEnrollmentTokens(c *fiber.Ctx) error {
	p := principalOf(c)
	limit, after, err := idPage(c)
	if err != nil {
		return err
	}
	ts, err := s.store.EnrollmentTokens(c.UserContext(), p.TenantID, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(ts, limit, toEnrollmentReply, func(t store.EnrollmentToken) any { return t.ID }))
}

func (s *Server) revokeEnrollmentToken(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeEnrollmentToken(c.UserContext(), p.TenantID, id, s.auditEvent(c, "enrollment_token_revoked")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
