package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/auth"
)

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePasswordLimit bounds guesses at the current password through a
// session that is not its owner's.
var changePasswordLimit = func() *rateLimit { return limitPolicy("change_password", 10, time.Hour, byUser) }

// changePassword replaces the signed-in person's password after checking
// the current one; every other session of theirs ends.
func (s *Server) changePassword(c *fiber.Ctx) error {
	p := principalOf(c)
	var req changePasswordRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	u, err := s.store.User(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	if err := auth.VerifyPassword(u.PasswordHash, req.CurrentPassword); err != nil {
		if !errors.Is(err, auth.ErrPasswordMismatch) {
			return err
		}
		return invalid([]FieldError{{Field: "current_password", Message: "is not your current password"}})
	}
	if err := auth.CheckPasswordPolicy(req.NewPassword); err != nil {
		return invalid([]FieldError{{Field: "new_password", Message: err.Error()}})
	}
	hash, err := auth.HashPassword(req.NewPassword)
	if err != nil {
		return err
	}
	if err := s.store.ChangePassword(c.UserContext(), p.UserID, p.Session.ID, hash, s.auditEvent(c, "password_changed")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
