package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/webhook"
)

// Config is what the HTTP layer needs to know.
type Config struct {
	PublicURL       string         // origin for CSRF checks and printed links
	InsecureCookies bool           // dev only: no Secure, no __Host- prefix
	SessionIdle     time.Duration  // idle timeout of a session
	SessionMaxAge   time.Duration  // absolute lifetime of a session
	BodyLimit       int            // largest JSON body, bytes
	Version         string         // build version, for health and docs
	Dialect         string         // timescaledb or postgres, for health
	Webhooks        webhook.Policy // which endpoint URLs webhooks may be created with
}

// Deps are the collaborators the server borrows; it closes none of them.
type Deps struct {
	Store    *store.Store
	Logger   *slog.Logger
	Registry prometheus.Registerer
	Gatherer prometheus.Gatherer
	Ingest   IngestDeps
	Metrics  MetricsQuerier // nil: the metric routes answer 503
}

// IngestDeps are what the ingest and remote-write routes need.
type IngestDeps struct {
	Sink     IngestSink
	Resolver SeriesResolver
	Config   IngestConfig
}

// Server is the HTTP API.
type Server struct {
	cfg         Config
	store       *store.Store
	log         *slog.Logger
	app         *fiber.App
	metrics     *httpMetrics
	gather      prometheus.Gatherer
	routes      []route
	ingest      *ingestDeps
	query       MetricsQuerier
	limiters    limiters
	agentTokens *agentTokens
	spec        openAPICache
}

// New builds the server and its routes.
func New(cfg Config, deps Deps) (*Server, error) {
	s := &Server{cfg: cfg, store: deps.Store, log: deps.Logger.With("component", "api"), gather: deps.Gatherer,
		limiters: limiters{}, agentTokens: newAgentTokens(), query: deps.Metrics}
	if s.query == nil {
		s.query = noMetrics{}
	}
	m, err := newHTTPMetrics(deps.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if s.ingest, err = newIngestDeps(deps.Ingest); err != nil {
		return nil, err
	}
	s.app = fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		// Every body is read into memory before a handler runs: this caps
		// it at the largest any route takes; routes apply their own limits.
		BodyLimit:      max(s.ingest.cfg.MaxCompressed, cfg.BodyLimit),
		ReadTimeout:    30 * time.Second,
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    120 * time.Second,
		ReadBufferSize: 16 << 10,
		AppName:        "monsys",
	})
	s.app.Use(s.recoverPanic, s.assignRequestID, s.observe)
	s.routes = s.routeTable()
	for _, r := range s.routes {
		s.app.Add(r.Method, r.Path, s.guard(r), r.Handler)
		if r.Method == fiber.MethodGet {
			s.app.Add(fiber.MethodHead, r.Path, s.guard(r), r.Handler) // monitors probe with HEAD
		}
	}
	return s, nil
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.app.Listener(ln)
}

// Shutdown stops accepting connections and waits for requests in flight
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.app.ShutdownWithContext(ctx)
	s.ingest.decomp.Close()
	return err
}

func (s *Server) json(v any) ([]byte, error) { return json.Marshal(v) }

func itoa(n int) string { return strconv.Itoa(n) }
