package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

type forgotRequest struct {
	Email string `json:"email"`
}

type forgotReply struct {
	Status string `json:"status"`
}

type resetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// forgotAnswer is the one answer to every forgot-password request, known
// address or not (RELIABILITY A3).
var forgotAnswer = forgotReply{Status: "if an account uses this address, a reset link is on its way; it works for 30 minutes"}

// forgotPassword mails a reset link to the account with the address, if
// there is one. The answer is the same either way and goes out before any
// lookup (see resetQueue); the mail is sent later by the outbox worker.
func (s *Server) forgotPassword(c *fiber.Ctx) error {
	var req forgotRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	email := strings.TrimSpace(req.Email)
	if len(email) < 3 || len(email) > 320 || !strings.Contains(email, "@") {
		return invalid([]FieldError{{Field: "email", Message: "must be an email address"}})
	}
	secret, hash, err := auth.NewSecret()
	if err != nil {
		return err
	}
	link := s.link("/reset-password", secret)
	mail := func(to string) store.Mail {
		return store.Mail{To: to, Subject: "Reset your monsys password", Body: "Someone asked to reset the password of your monsys account.\n\n" +
			"To choose a new password, open this link within 30 minutes:\n\n" + link +
			"\n\nIf it was not you, ignore this message: your password stays as it is."}
	}
	job := resetJob{email: strings.Clone(email), hash: hash, mail: mail, ev: userEvent(c, "password_reset_requested", "", "")}
	job.ev.IP = strings.Clone(job.ev.IP)
	if !s.resets.add(job) {
		p := newProblem(http.StatusServiceUnavailable, "busy", "too many reset requests at once; try again in a minute")
		p.RetryAfter = 5
		return p
	}
	return c.Status(http.StatusAccepted).JSON(forgotAnswer)
}

// resetPassword sets a new password with a reset token. Every session of
// the account ends; TOTP stays on, so the next login still asks for a code.
func (s *Server) resetPassword(c *fiber.Ctx) error {
	var req resetRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	if err := auth.CheckPasswordPolicy(req.Password); err != nil {
		return invalid([]FieldError{{Field: "password", Message: err.Error()}})
	}
	hash, err := auth.HashPassword(req.Password)
	if err != nil {
		return err
	}
	err = s.store.ResetPassword(c.UserContext(), auth.HashToken(req.Token), hash, userEvent(c, "password_reset_completed", "", ""))
	if err != nil {
		return answerAs(err, store.ErrNotFound, badRequest("the reset link is unknown, used or expired: ask for a new one"))
	}
	return c.SendStatus(http.StatusNoContent)
}

// link is a dashboard link under the configured public URL, never the
// request's Host header, carrying a token.
func (s *Server) link(path, token string) string {
	return s.cfg.PublicURL + path + "?token=" + url.QueryEscape(token)
}
