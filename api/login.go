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

type loginReply struct {
	User         userReply   `json:"user"`
	Tenant       tenantReply `json:"tenant"`
	Role         auth.Role   `json:"role"`
	TOTPRequired bool        `json:"totp_required"`
	CSRFToken    string      `json:"csrf_token"`
	ExpiresAt    time.Time   `json:"expires_at"`
}

// errBadLogin is the one answer for every failed login, so the response
// says nothing about which part was wrong or whether the account exists.
var errBadLogin = unauthorized("email or password is incorrect")

// login checks the password and starts a new session. Any session cookie
// the browser already had is revoked, so the session id changes at login.
// A browser request from another site is refused: it could sign the victim
// in to the attacker's account (login CSRF).
func (s *Server) login(c *fiber.Ctx) error {
	if s.crossSite(c) {
		return forbidden("cross-site requests cannot sign in")
	}
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
	if err := auth.VerifyPassword(u.PasswordHash, req.Password); err != nil || u.DisabledAt != nil {
		if err != nil && !errors.Is(err, auth.ErrPasswordMismatch) {
			return err
		}
		return errBadLogin
	}
	m, err := s.store.DefaultMembership(ctx, u.ID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return forbidden("this account belongs to no tenant")
		}
		return err
	}
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
	if _, err := s.store.CreateSession(ctx, store.NewSession{TokenHash: hash, UserID: u.ID, TenantID: m.TenantID,
		CSRFToken: csrf, IP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 256), ExpiresAt: expires}); err != nil {
		return err
	}
	c.Cookie(s.sessionCookie(secret, expires))
	return c.JSON(loginReply{
		User:   userReply{ID: u.ID, Email: u.Email, Name: u.Name},
		Tenant: tenantReply{ID: tenant.ID, Name: tenant.Name, Slug: tenant.Slug},
		Role:   m.Role, CSRFToken: csrf, ExpiresAt: utc(expires),
	})
}

// logout revokes the session the request came with and clears the cookie.
func (s *Server) logout(c *fiber.Ctx) error {
	p := principalOf(c)
	if p.Session != nil {
		if err := s.store.RevokeSession(c.UserContext(), p.Session.ID); err != nil {
			return err
		}
		c.Cookie(s.sessionCookie("", time.Unix(0, 0)))
	}
	return c.SendStatus(http.StatusNoContent)
}

// crossSite reports whether a browser says the request comes from another
// site, by Sec-Fetch-Site or by an Origin that is not the hub's. Clients
// that send neither header (CLI, scripts) are not browsers and pass.
func (s *Server) crossSite(c *fiber.Ctx) bool {
	site, origin := c.Get("Sec-Fetch-Site"), c.Get(fiber.HeaderOrigin)
	return site == "cross-site" || site == "same-site" || (origin != "" && origin != s.publicOrigin())
}

// sessionCookieName is __Host-monsys_session: the prefix makes browsers
// refuse it unless Secure, host-only and Path=/. Insecure dev mode drops
// the prefix, which browsers would refuse over plain http.
func (s *Server) sessionCookieName() string {
	if s.cfg.InsecureCookies {
		return "monsys_session"
	}
	return "__Host-monsys_session"
}

func (s *Server) sessionCookie(value string, expires time.Time) *fiber.Cookie {
	return &fiber.Cookie{
		Name: s.sessionCookieName(), Value: value, Path: "/", Expires: expires,
		Secure: !s.cfg.InsecureCookies, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return string([]byte(s))
}
