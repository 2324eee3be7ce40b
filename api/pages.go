package api

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// routePages is the route label of every dashboard page and asset in
// metrics and logs.
const routePages = "/ (dashboard)"

// mountPages serves the dashboard (package web, a net/http handler) for
// every GET and HEAD outside /api/ and /metrics that no route of the table
// claims. The pages hold no data and check no credentials: the browser
// reads everything through the routes of the table, with the session.
func (s *Server) mountPages(pages http.Handler) {
	serve := adaptor.HTTPHandler(pages)
	s.app.Use(func(c *fiber.Ctx) error {
		if !safeMethod(c.Method()) || strings.HasPrefix(c.Path(), "/api/") || c.Path() == "/metrics" {
			return c.Next()
		}
		c.Locals(localRoute, routePages)
		return serve(c)
	})
}
