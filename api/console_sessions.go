package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/console"
)

type consoleSessionReply = console.Session

// terminateReply answers a terminate: the agent ends the shell and the
// session's state becomes terminated once it reports the exit.
type terminateReply struct {
	SessionID string `json:"session_id"`
	State     string `json:"state"`
}

type verifyReply struct {
	OK       bool   `json:"ok"`
	Computed string `json:"computed_sha256"`
	Audited  string `json:"audited_sha256"`
}

// listConsoleSessions lists the tenant's console sessions, newest first
// (no cursor: filter by since for older ones).
func (s *Server) listConsoleSessions(c *fiber.Ctx) error {
	p := principalOf(c)
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	f := console.Filter{State: c.Query("state"), Limit: limit}
	for name, dst := range map[string]**uuid.UUID{"agent_id": &f.AgentID, "user_id": &f.UserID} {
		if raw := c.Query(name); raw != "" {
			id, err := uuid.Parse(raw)
			if err != nil {
				return badRequest(name + " must be a UUID")
			}
			*dst = &id
		}
	}
	switch f.State {
	case "", console.StatePending, console.StateActive, console.StateEnded, console.StateTerminated, console.StateFailed:
	default:
		return badRequest("state must be pending, active, ended, terminated or failed")
	}
	if raw := c.Query("since"); raw != "" {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return badRequest("since must be an RFC 3339 time")
		}
		f.Since = &t
	}
	rows, err := s.console.List(c.UserContext(), p.TenantID, f)
	if err != nil {
		return err
	}
	return c.JSON(page[consoleSessionReply]{Items: rows})
}

func (s *Server) getConsoleSession(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ses, err := s.console.Get(c.UserContext(), principalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(ses)
}

// consoleRecording answers the recording as asciicast v2; ?verify=1
// answers whether its hash matches the audited one instead.
func (s *Server) consoleRecording(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ses, err := s.console.Get(c.UserContext(), p.TenantID, id)
	if err != nil {
		return err
	}
	if c.Query("verify") == "1" {
		computed, audited, err := s.console.Verify(c.UserContext(), p.TenantID, id)
		if err != nil {
			return err
		}
		return c.JSON(verifyReply{OK: audited != "" && computed == audited, Computed: computed, Audited: audited})
	}
	chunks, err := s.console.Chunks(c.UserContext(), p.TenantID, id)
	if err != nil {
		return err
	}
	header, _ := json.Marshal(map[string]any{"version": 2, "width": ses.Cols, "height": ses.Rows,
		"timestamp": ses.CreatedAt.Unix(), "title": "monsys console " + ses.ID.String(),
		"env": map[string]string{"TERM": "xterm-256color"}})
	var b bytes.Buffer
	b.Write(header)
	b.WriteByte('\n')
	for _, ch := range chunks {
		b.Write(ch)
	}
	c.Set(fiber.HeaderContentType, "application/x-asciicast")
	return c.Send(b.Bytes())
}

// terminateConsoleSession ends a live session for an admin.
func (s *Server) terminateConsoleSession(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.console.Terminate(c.UserContext(), p.TenantID, id, p.UserID, s.auditEvent(c, "")); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(terminateReply{SessionID: id.String(), State: "terminating"})
}

// searchConsole finds sessions by what was typed or shown.
func (s *Server) searchConsole(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if len(q) < 2 || len(q) > 200 {
		return badRequest("q must be 2 to 200 characters")
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	rows, err := s.console.Search(c.UserContext(), principalOf(c).TenantID, q, limit)
	if err != nil {
		return err
	}
	return c.JSON(page[consoleSessionReply]{Items: rows})
}
