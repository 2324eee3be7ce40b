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

type createAPIKeyRequest struct {
	Name      string     `json:"name"`
	Role      string     `json:"role,omitempty"` // default: the caller's role
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

type apiKeyReply struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	Role       auth.Role  `json:"role"`
	CreatedBy  *uuid.UUID `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

type createAPIKeyReply struct {
	apiKeyReply
	Key string `json:"key"` // shown once
}

func toAPIKeyReply(k store.APIKey) apiKeyReply {
	return apiKeyReply{ID: k.ID, Name: k.Name, Role: k.Role, CreatedBy: k.CreatedBy, CreatedAt: utc(k.CreatedAt),
		ExpiresAt: utcPtr(k.ExpiresAt), LastUsedAt: utcPtr(k.LastUsedAt)}
}

// createAPIKey mints a key scoped to a role no higher than the caller's.
func (s *Server) createAPIKey(c *fiber.Ctx) error {
	p := principalOf(c)
	var req createAPIKeyRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	var errs []FieldError
	if req.Name == "" || len(req.Name) > 200 {
		errs = append(errs, FieldError{Field: "name", Message: "must be 1 to 200 characters"})
	}
	role := p.Role
	if req.Role != "" {
		r, err := auth.ParseRole(req.Role)
		switch {
		case err != nil:
			errs = append(errs, FieldError{Field: "role", Message: err.Error()})
		case !p.Role.AtLeast(r):
			errs = append(errs, FieldError{Field: "role", Message: "cannot exceed your own role (" + string(p.Role) + ")"})
		default:
			role = r
		}
	}
	errs = checkFuture("expires_at", req.ExpiresAt, errs)
	if len(errs) > 0 {
		return invalid(errs)
	}
	token, hash, err := auth.NewToken(auth.KindAPIKey)
	if err != nil {
		return err
	}
	k, err := s.store.CreateAPIKey(c.UserContext(), store.NewAPIKey{TenantID: p.TenantID, CreatedBy: p.UserID,
		Name: req.Name, Role: role, TokenHash: hash, ExpiresAt: req.ExpiresAt, Audit: s.auditEvent(c, "api_key_created")})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(createAPIKeyReply{apiKeyReply: toAPIKeyReply(k), Key: token})
}

// listAPIKeys shows admins every key of the tenant and others their own.
func (s *Server) listAPIKeys(c *fiber.Ctx) error {
	p := principalOf(c)
	limit, after, err := idPage(c)
	if err != nil {
		return err
	}
	keys, err := s.store.APIKeys(c.UserContext(), p.TenantID, ownKeysOnly(p), after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(keys, limit, toAPIKeyReply, func(k store.APIKey) any { return k.ID }))
}

// revokeAPIKey lets admins revoke any key of the tenant and others their
// own; another person's key answers 404 to a non-admin.
func (s *Server) revokeAPIKey(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeAPIKey(c.UserContext(), p.TenantID, id, ownKeysOnly(p), s.auditEvent(c, "api_key_revoked")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// ownKeysOnly limits non-admins to the keys they created.
func ownKeysOnly(p *principal) *uuid.UUID {
	if p.Role.AtLeast(auth.RoleAdmin) {
		return nil
	}
	return &p.UserID
}
