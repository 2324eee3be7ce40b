package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

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
