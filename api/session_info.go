package api

import "github.com/gofiber/fiber/v2"

// sessionInfoReply tells a signed-in browser who it is: the dashboard reads
// it on every page for the person's name, role (which controls to show)
// and the CSRF token its state-changing calls send.
type sessionInfoReply struct {
	loginReply
	TOTPEnabled bool `json:"totp_enabled"`
}

// sessionInfo answers the current session as a login did, so a page opened
// later (a new tab, a reload) has what the login answer gave.
func (s *Server) sessionInfo(c *fiber.Ctx) error {
	p := principalOf(c)
	ctx := c.UserContext()
	u, err := s.store.User(ctx, p.UserID)
	if err != nil {
		return err
	}
	t, err := s.store.Tenant(ctx, p.TenantID)
	if err != nil {
		return err
	}
	exp := utc(p.Session.ExpiresAt)
	c.Set(fiber.HeaderCacheControl, "no-store") // it holds the CSRF token
	return c.JSON(sessionInfoReply{
		loginReply: loginReply{
			User:   &userReply{ID: u.ID, Email: u.Email, Name: u.Name},
			Tenant: &tenantReply{ID: t.ID, Name: t.Name, Slug: t.Slug},
			Role:   p.Role, CSRFToken: p.Session.CSRFToken, ExpiresAt: &exp,
		},
		TOTPEnabled: u.TOTPEnabledAt != nil,
	})
}
