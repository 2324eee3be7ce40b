package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/console"
	"github.com/monsys/monsys/explain"
	"github.com/monsys/monsys/ingest"
	"github.com/monsys/monsys/integrity"
	"github.com/monsys/monsys/internal/diskspace"
	"github.com/monsys/monsys/ratelimit"
	"github.com/monsys/monsys/relay"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/webhook"
)

// Config is what the HTTP layer needs to know.
type Config struct {
	PublicURL       string        // origin for CSRF checks and printed links
	InsecureCookies bool          // dev only: no Secure, no __Host- prefix
	SessionIdle     time.Duration // idle timeout of a session
	SessionMaxAge   time.Duration // absolute lifetime of a session
	BodyLimit       int           // largest JSON body, bytes
	Version         string        // build version, for health and docs
	Dialect         string        // timescaledb or postgres, for health
	AgentDistDir    string        // agent binaries served by /agent/download; "" serves none
	MaxPushConns    int           // push WebSocket connections held at once (default 10000)
	// RateQuotas overrides the quota of rate-limit policies by name
	// (login, totp_challenge, forgot_password, invitations, rotate_token,
	// rotate_signing_key, user); nil keeps reference/API.md's.
	RateQuotas map[string]int
	// RateClock is the clock of the in-memory rate limits (time.Now when
	// nil); tests that count a whole window of slow requests freeze it.
	RateClock func() time.Time
	// TOTPKey (32 bytes) encrypts TOTP secrets at rest; nil stores them
	// unencrypted.
	TOTPKey  []byte
	Webhooks webhook.Policy // which endpoint URLs webhooks may be created with
	// IngestBatchesPerMinute is the per-agent rate limit of /ingest
	// (default 60).
	IngestBatchesPerMinute int
	// Model, when set, answers GET /ai/explain after redaction; nil
	// answers from the shipped rule library alone. RedactIPs removes IP
	// addresses too before anything reaches it.
	Model     *explain.Model
	RedactIPs bool
}

// Deps are the collaborators the server borrows; it closes none of them.
type Deps struct {
	Store    *store.Store
	Logger   *slog.Logger
	Registry prometheus.Registerer
	Gatherer prometheus.Gatherer
	Ingest   *ingest.Service // the front door of /ingest and /write
	Metrics  MetricsQuerier  // nil: the metric routes answer 503
	Relay    *relay.Registry // connected agents; nil: the server makes its own
	Fleet    FleetOverview   // nil: GET /fleet answers 503
	// Notify keeps notification channels (*notify.Service); nil: their
	// routes answer 503.
	Notify Channels
	// Pages is the dashboard (package web), served outside /api/; nil
	// serves none.
	Pages http.Handler
	// Disk is the free space of the database's filesystem, shown by
	// /api/v1/health; nil when the hub cannot see it.
	Disk DiskUsage
	// Vulns answers the CVE routes; nil: they answer 503.
	Vulns Vulns
	// Console runs emergency console sessions and grants; nil: the
	// console routes answer 503.
	Console *console.Service
	// SharedLimits, when set, keeps rate-limit counts in this database so
	// that the hubs of a cluster share them (MONSYS_CLUSTER=1).
	SharedLimits ratelimit.DB
}

// Server is the HTTP API.
type Server struct {
	cfg          Config
	store        *store.Store
	log          *slog.Logger
	app          *fiber.App
	metrics      *httpMetrics
	gather       prometheus.Gatherer
	routes       []route
	ingest       *ingest.Service
	query        MetricsQuerier
	fleet        FleetOverview
	notify       Channels
	limiters     limiters
	sharedLimits ratelimit.DB
	resets       *resetQueue
	totpFails    counter // wrong TOTP and recovery codes per account
	agentTokens  *agentTokens
	spec         openAPICache
	relay        *relay.Registry
	explainer    *explain.Explainer
	builds       *integrity.Builds // the agent binaries served; nil when none
	pushUpgrade  fiber.Handler
	console      *console.Service
	consoleUp    fiber.Handler
	disk         DiskUsage
	vulns        Vulns
}

// DiskUsage reports the latest measurement of the database's disk
// (*diskspace.Watcher).
type DiskUsage interface {
	Latest() (diskspace.Usage, bool)
}

// New builds the server and its routes.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.Ingest == nil {
		return nil, errors.New("api: the ingest routes need an ingest service")
	}
	s := &Server{cfg: cfg, store: deps.Store, log: deps.Logger.With("component", "api"), gather: deps.Gatherer,
		limiters: limiters{}, agentTokens: newAgentTokens(), query: deps.Metrics, sharedLimits: deps.SharedLimits,
		ingest: deps.Ingest, disk: deps.Disk}
	if s.query == nil {
		s.query = noMetrics{}
	}
	if s.vulns = deps.Vulns; s.vulns == nil {
		s.vulns = noVulns{}
	}
	if s.fleet = deps.Fleet; s.fleet == nil {
		s.fleet = noFleet{}
	}
	if s.notify = deps.Notify; s.notify == nil {
		s.notify = noChannels{}
	}
	if s.cfg.MaxPushConns <= 0 {
		s.cfg.MaxPushConns = 10000
	}
	if s.cfg.IngestBatchesPerMinute <= 0 {
		s.cfg.IngestBatchesPerMinute = 60
	}
	s.relay = deps.Relay
	s.explainer = explain.New(explain.Shipped(), cfg.Model, cfg.RedactIPs)
	if cfg.AgentDistDir != "" {
		s.builds = integrity.NewBuilds(cfg.AgentDistDir)
	}
	if s.relay == nil {
		s.relay = relay.New(s.cfg.MaxPushConns)
	}
	s.pushUpgrade = websocket.New(s.servePush, websocket.Config{HandshakeTimeout: 10 * time.Second,
		ReadBufferSize: 4 << 10, WriteBufferSize: 4 << 10})
	s.console = deps.Console
	s.consoleUp = websocket.New(s.serveConsole, websocket.Config{HandshakeTimeout: 10 * time.Second,
		ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10})
	m, err := newHTTPMetrics(deps.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.app = fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		// Every body is read into memory before a handler runs: this caps
		// it at the largest any route takes; routes apply their own limits.
		BodyLimit:      max(s.ingest.MaxCompressed(), cfg.BodyLimit),
		ReadTimeout:    30 * time.Second,
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    120 * time.Second,
		ReadBufferSize: 16 << 10,
		AppName:        "monsys",
	})
	s.answerUnknownMethods()
	s.app.Use(s.recoverPanic, s.assignRequestID, s.observe)
	s.totpFails = s.limiterFor(totpFailLimit())
	s.routes = s.routeTable()
	for _, r := range s.routes {
		s.app.Add(r.Method, r.Path, s.guard(r), r.Handler)
		if r.Method == fiber.MethodGet {
			s.app.Add(fiber.MethodHead, r.Path, s.guard(r), r.Handler) // monitors probe with HEAD
		}
	}
	if deps.Pages != nil {
		s.mountPages(deps.Pages)
	}
	s.resets = newResetQueue(s.store, s.log) // last: nothing after it can fail and leak its goroutine
	return s, nil
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.app.Listener(ln)
}

// Shutdown stops accepting connections and waits for requests in flight
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.console != nil {
		s.console.Close() // live consoles end as failed, their recordings kept
	}
	s.relay.CloseAll() // push connections end so the server can stop
	err := s.app.ShutdownWithContext(ctx)
	s.resets.close() // after HTTP: no handler adds to it any more
	return err
}

// Relay is the registry of agents connected on the push WebSocket.
func (s *Server) Relay() *relay.Registry { return s.relay }

func (s *Server) json(v any) ([]byte, error) { return json.Marshal(v) }

func itoa(n int) string { return strconv.Itoa(n) }
