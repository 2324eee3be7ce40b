package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// docsHTML renders /api/v1/openapi.json in the browser with no external
// script, font or stylesheet, so it works on an air-gapped hub.
//
//go:embed docs.html
var docsHTML []byte

func (s *Server) docsPage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'")
	return c.Send(docsHTML)
}
