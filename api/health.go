package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type healthReply struct {
	Status   string `json:"status"`
	Database string `json:"database"`
	Dialect  string `json:"dialect"`
	Version  string `json:"version"`
}

// health answers 200 when the hub and its database work, 503 with the
// reason when the database does not answer within two seconds.
func (s *Server) health(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		// The route is public: the cause (user, database, socket path) goes
		// to the log, not to the caller.
		s.log.WarnContext(ctx, "health check: database unreachable", "err", err)
		p := newProblem(fiber.StatusServiceUnavailable, "unhealthy", "database unreachable")
		p.RetryAfter = 5
		return p
	}
	return c.JSON(healthReply{Status: "ok", Database: "ok", Dialect: s.cfg.Dialect, Version: s.cfg.Version})
}

// prometheus serves the hub's registry in the exposition format.
func (s *Server) prometheus(c *fiber.Ctx) error {
	h := adaptor.HTTPHandler(promhttp.HandlerFor(s.gather, promhttp.HandlerOpts{ErrorLog: nil}))
	return h(c)
}
