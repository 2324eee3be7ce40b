package api

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/console"
	"github.com/monsys/monsys/wire"
)

type consoleStartRequest struct {
	Reason     string `json:"reason"`
	Code       string `json:"code"`
	Cols       int    `json:"cols"`
	Rows       int    `json:"rows"`
	MaxMinutes int    `json:"max_minutes"`
}

type consoleStartReply struct {
	SessionID string    `json:"session_id"`
	WSURL     string    `json:"ws_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

const (
	localConsoleSession = "console_session"
	maxConsoleMinutes   = 240
)

// consoleStart opens an emergency console on an agent: an admin, a fresh
// TOTP code, a reason; the agent decides by its own policy.
func (s *Server) consoleStart(c *fiber.Ctx) error {
	p := principalOf(c)
	a, err := s.pathAgent(c) // another tenant's agent answers 404 before anything about the body
	if err != nil {
		return err
	}
	id := a.ID
	var req consoleStartRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	if req.Cols == 0 && req.Rows == 0 {
		req.Cols, req.Rows = 80, 24
	}
	if req.MaxMinutes == 0 {
		req.MaxMinutes = 60
	}
	var errs []FieldError
	req.Reason = strings.TrimSpace(req.Reason)
	if l := len(req.Reason); l < 1 || l > 500 {
		errs = append(errs, FieldError{"reason", "say why the console is needed (1 to 500 characters); it is recorded"})
	}
	if !wire.ValidSize(req.Cols, req.Rows) {
		errs = append(errs, FieldError{"cols", "cols and rows must each be 1 to 1000"})
	}
	if req.MaxMinutes < 1 || req.MaxMinutes > maxConsoleMinutes {
		errs = append(errs, FieldError{"max_minutes", "1 to 240"})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	if err := s.freshCode(c, req.Code); err != nil {
		return err
	}
	u, err := s.store.User(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	st, err := s.console.Start(c.UserContext(), console.StartRequest{TenantID: p.TenantID, AgentID: id, UserID: p.UserID,
		UserEmail: u.Email, Reason: req.Reason, Cols: req.Cols, Rows: req.Rows, MaxMinutes: req.MaxMinutes, Audit: s.auditEvent(c, "")})
	var refused *console.RefusedError
	if errors.As(err, &refused) {
		return newProblem(fiber.StatusConflict, "console-refused", refused.Error())
	}
	if err != nil {
		return err
	}
	ws := strings.TrimRight(s.cfg.PublicURL, "/") + "/api/v1/ws/console/" + st.Session.ID.String() + "?ticket=" + st.Ticket
	ws = "ws" + strings.TrimPrefix(ws, "http") // http→ws, https→wss
	return c.Status(fiber.StatusCreated).JSON(consoleStartReply{SessionID: st.Session.ID.String(), WSURL: ws, ExpiresAt: st.Session.ExpiresAt})
}

// freshCode spends a current TOTP code of the caller (each code once);
// a person without TOTP is told to set it up.
func (s *Server) freshCode(c *fiber.Ctx, code string) error {
	p := principalOf(c)
	st, err := s.totpState(c, p.UserID)
	if err != nil {
		return err
	}
	if st.EnabledAt == nil {
		return forbidden("this needs two-factor sign-in: set up TOTP on your account page (POST /api/v1/auth/totp/setup) first")
	}
	step, err := s.checkCode(c, p.UserID, p.TenantID, st, code)
	if err != nil {
		return err
	}
	if err := s.store.UseTOTPStep(c.UserContext(), p.UserID, step); err != nil {
		return s.codeFailed(c, p.UserID, p.TenantID)
	}
	return nil
}

// consoleBrowserSocket is the person's console WebSocket, authorized by
// the one-time ticket from console/start; a cross-site Origin is refused.
func (s *Server) consoleBrowserSocket(c *fiber.Ctx) error {
	id, err := pathID(c, "session_id")
	if err != nil {
		return err
	}
	if !websocket.IsWebSocketUpgrade(c) {
		return newProblem(fiber.StatusUpgradeRequired, "upgrade-required", "this route is a WebSocket: send Connection: Upgrade and Upgrade: websocket")
	}
	if s.crossSite(c) {
		return forbidden("the console socket is opened only from the hub's own pages")
	}
	ticket := c.Query("ticket")
	if ticket == "" {
		return unauthorized("pass ?ticket= from POST /agents/:id/console/start")
	}
	if err := s.console.AuthorizeBrowser(c.UserContext(), id, ticket, nil, nil); err != nil {
		return err
	}
	c.Locals(localConsoleSession, id)
	return s.consoleUpgrade(c)
}

// consoleAgentSocket is the agent's dial-back for one session: its own
// token (the route's ownAgent access) and the session's agent ticket.
func (s *Server) consoleAgentSocket(c *fiber.Ctx) error {
	id, err := pathID(c, "session_id")
	if err != nil {
		return err
	}
	if !websocket.IsWebSocketUpgrade(c) {
		return newProblem(fiber.StatusUpgradeRequired, "upgrade-required", "this route is a WebSocket: send Connection: Upgrade and Upgrade: websocket")
	}
	if err := s.console.AuthorizeAgent(c.UserContext(), principalOf(c).Agent.ID, id, c.Get(wire.ConsoleTicketHeader)); err != nil {
		return err
	}
	c.Locals(localConsoleSession, id)
	c.Locals(localPushAgent, principalOf(c).Agent.ID)
	return s.consoleUpgrade(c)
}

// serveConsole hands an upgraded console socket to the session's bridge.
func (s *Server) serveConsole(conn *websocket.Conn) {
	id, _ := conn.Locals(localConsoleSession).(uuid.UUID)
	if _, agent := conn.Locals(localPushAgent).(uuid.UUID); agent {
		s.console.ServeAgent(id, conn)
		return
	}
	s.console.ServeBrowser(id, conn)
}

// consoleUpgrade upgrades a console socket once the console service runs.
func (s *Server) consoleUpgrade(c *fiber.Ctx) error {
	return s.consoleUp(c)
}

// withConsole answers 503 when the hub runs without the console service.
func (s *Server) withConsole(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.console == nil {
			p := newProblem(fiber.StatusServiceUnavailable, "unavailable", "this hub runs without the emergency console")
			p.RetryAfter = 60
			return p
		}
		return h(c)
	}
}
