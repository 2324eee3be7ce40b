package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/monsys/monsys/tsdb"
)

type healthReply struct {
	Status   string `json:"status"`
	Database string `json:"database"`
	Dialect  string `json:"dialect"`
	Version  string `json:"version"`
	// Ingest is "ok", or why the last flush failed when no batch has been
	// tried since (the next one tells whether storage commits again).
	Ingest string `json:"ingest"`
	// DiskFreeBytes and DiskSizeBytes are the filesystem of the database's
	// data at the last check (every 5 s), when the hub can see it.
	DiskFreeBytes *int64 `json:"disk_free_bytes,omitempty"`
	DiskSizeBytes *int64 `json:"disk_size_bytes,omitempty"`
}

// ingestEvidence is how long a failed flush makes health answer 503: while
// agents send, ingest tries a batch every second, so a fault that lasts
// keeps being seen; a hub that gets no batches (a load balancer took it out
// on this 503) turns healthy again once the database answers, and its next
// batch tells.
const ingestEvidence = 10 * time.Second

// health answers 200 when the hub and its database work, 503 with the
// reason when the database does not answer within two seconds or ingest's
// flushes fail for a fault of the database's (disk full, read-only, …).
func (s *Server) health(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		// The route is public: the cause (user, database, socket path) goes
		// to the log, not to the caller; the kind of fault is no secret.
		s.log.WarnContext(ctx, "health check: database unreachable", "err", err)
		fault := tsdb.FaultOf(err)
		if fault == "" {
			fault = tsdb.FaultUnreachable
		}
		p := newProblem(fiber.StatusServiceUnavailable, "unhealthy", string(fault))
		p.RetryAfter = 5
		return p
	}
	reply := healthReply{Status: "ok", Database: "ok", Dialect: s.cfg.Dialect, Version: s.cfg.Version, Ingest: "ok"}
	if s.disk != nil {
		if u, ok := s.disk.Latest(); ok {
			reply.DiskFreeBytes, reply.DiskSizeBytes = &u.FreeBytes, &u.SizeBytes
		}
	}
	if st := s.ingest.Storage(); st.Fault != "" {
		if time.Since(st.LastFailure) < ingestEvidence {
			p := newProblem(fiber.StatusServiceUnavailable, "unhealthy", string(st.Fault)+": ingest answers 503 since "+
				st.Since.UTC().Format(time.RFC3339)+" and tries one batch a second until storage commits again")
			p.RetryAfter = 5
			return p
		}
		reply.Ingest = "last flush failed at " + st.LastFailure.UTC().Format(time.RFC3339) + ": " + string(st.Fault)
	}
	return c.JSON(reply)
}

// prometheus serves the hub's registry in the exposition format.
func (s *Server) prometheus(c *fiber.Ctx) error {
	h := adaptor.HTTPHandler(promhttp.HandlerFor(s.gather, promhttp.HandlerOpts{ErrorLog: nil}))
	return h(c)
}
