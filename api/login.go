package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type userReply struct {
	ID    uuid.UUID `json:"id"`
	Email string    `json:"email"`
	Name  string    `json:"name"`
}

type tenantReply struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	Slug string    `json:"slug"`
}

// loginReply answers a finished login. With TOTP on, the password step
// answers only TOTPRequired and Challenge.
type loginReply struct {
	User         *userReply   `json:"user,omitempty"`
	Tenant       *tenantReply `json:"tenant,omitempty"`
	Role         auth.Role    `json:"role,omitempty"`
	TOTPRequired bool         `json:"totp_required"`
	Challenge    string       `json:"challenge,omitempty"`
	CSRFToken    string       `json:"csrf_token,omitempty"`
	ExpiresAt    *time.Time   `json:"expires_at,omitempty"`
}

// errBadLogin is the one answer for every failed login, so the response
// says nothing about which part was wrong, whether the account exists or
// whether it is locked.
var errBadLogin = unauthorized("email or password is incorrect")

// login checks the password. Without TOTP it starts a new session; with
// TOTP it answers a challenge that POST /auth/totp/challenge finishes.
// guard refuses it from another site (login CSRF).
func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	ctx := c.UserContext()
	u, err := s.store.UserByEmail(ctx, req.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		auth.SpendPasswordTime(req.Password)
		return errBadLogin
	case err != nil:
		return err
	}
	if u.LockedUntil != nil && u.LockedUntil.After(time.Now()) {
		auth.SpendPasswordTime(req.Password) // a locked account answers like a wrong password, as slowly
		return errBadLogin
	}
	if err := auth.VerifyPassword(u.PasswordHash, req.Password); err != nil || u.DisabledAt != nil {
		if err != nil && !errors.Is(err, auth.ErrPasswordMismatch) {
			return err
		}
		return s.loginFailed(c, u, "password")
	}
	m, err := s.store.DefaultMembership(ctx, u.ID)
	if err != nil {
		return answerAs(err, store.ErrNotFound, forbidden("this account belongs to no tenant"))
	}
	if u.TOTPEnabledAt != nil {
		secret, hash, err := auth.NewSecret()
		if err != nil {
			return err
		}
		if err := s.store.CreateChallenge(ctx, hash, store.Challenge{UserID: u.ID, TenantID: m.TenantID}); err != nil {
			return err
		}
		return c.JSON(loginReply{TOTPRequired: true, Challenge: secret})
	}
	return s.startSession(c, u, m, nil)
}

// loginFailed counts a failed password or code against the account and
// records login_failed in the account's tenant.
func (s *Server) loginFailed(c *fiber.Ctx, u store.User, factor string) error {
	ev := userEvent(c, "login_failed", "", u.ID.String())
	if m, err := s.store.DefaultMembership(c.UserContext(), u.ID); err == nil {
		ev.TenantID = m.TenantID.String()
	}
	ev.Details = map[string]any{"factor": factor}
	if _, err := s.store.LoginFailed(c.UserContext(), u.ID, ev); err != nil {
		return err
	}
	return errBadLogin
}

// startSession opens a session for a login that passed every factor. Any
// session cookie the browser already had is revoked, so the session id
// changes at login. challenge is the TOTP challenge it spends, if any.
func (s *Server) startSession(c *fiber.Ctx, u store.User, m store.Membership, challenge *auth.TokenHash) error {
	ctx := c.UserContext()
	tenant, err := s.store.Tenant(ctx, m.TenantID)
	if err != nil {
		return err
	}
	if old := c.Cookies(s.sessionCookieName()); old != "" {
		if sess, err := s.store.TouchSession(ctx, auth.HashToken(old), s.cfg.SessionIdle); err == nil {
			_ = s.store.RevokeSession(ctx, sess.ID) // best effort: the old session also expires by itself
		}
	}
	secret, hash, err := auth.NewSecret()
	if err != nil {
		return err
	}
	csrf, _, err := auth.NewSecret()
	if err != nil {
		return err
	}
	expires := time.Now().Add(s.cfg.SessionMaxAge)
	ev := userEvent(c, "login_succeeded", m.TenantID.String(), u.ID.String())
	_, err = s.store.StartSession(ctx, store.NewSession{TokenHash: hash, UserID: u.ID, TenantID: m.TenantID,
		CSRFToken: csrf, IP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 256), ExpiresAt: expires}, challenge, ev)
	if err != nil {
		return answerAs(err, store.ErrNotFound, unauthorized("the challenge has expired or was used; sign in again"))
	}
	c.Cookie(s.sessionCookie(secret, expires))
	exp := utc(expires)
	return c.JSON(loginReply{
		User:   &userReply{ID: u.ID, Email: u.Email, Name: u.Name},
		Tenant: &tenantReply{ID: tenant.ID, Name: tenant.Name, Slug: tenant.Slug},
		Role:   m.Role, CSRFToken: csrf, ExpiresAt: &exp,
	})
}

// logout revokes the session the request came with and clears the cookie.
func (s *Server) logout(c *fiber.Ctx) error {
	p := principalOf(c)
	if p.Session != nil {
		if err := s.store.RevokeUserSession(c.UserContext(), p.UserID, p.Session.ID, s.auditEvent(c, "logged_out")); err != nil {
			return err
		}
		c.Cookie(s.sessionCookie("", time.Unix(0, 0)))
	}
	return c.SendStatus(http.StatusNoContent)
}
