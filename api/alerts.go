package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/store"
)

type alertReply struct {
	ID          uuid.UUID  `json:"id"`
	AgentID     *uuid.UUID `json:"agent_id,omitempty"`
	Hostname    string     `json:"hostname,omitempty"`
	Source      string     `json:"source"` // agent, rule or system
	Key         string     `json:"key"`
	Severity    string     `json:"severity"`
	Summary     string     `json:"summary"`
	State       string     `json:"state"` // pending, firing or resolved
	StartedAt   time.Time  `json:"started_at"`
	LastSeenAt  time.Time  `json:"last_seen_at"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy  *uuid.UUID `json:"resolved_by,omitempty"` // the person who resolved it by hand
	ResolveNote string     `json:"resolve_note,omitempty"`
}

func toAlertReply(a store.Alert) alertReply {
	out := alertReply{ID: a.ID, AgentID: a.AgentID, Source: a.Source, Key: a.Key, Severity: a.Severity,
		Summary: a.Summary, State: a.State, StartedAt: utc(a.StartedAt), LastSeenAt: utc(a.LastSeenAt),
		ResolvedAt: utcPtr(a.ResolvedAt), ResolvedBy: a.ResolvedBy, ResolveNote: a.ResolveNote}
	if a.Hostname != nil {
		out.Hostname = *a.Hostname
	}
	return out
}

func alertsQuery() []queryParam {
	return []queryParam{{"state", "pending, firing or resolved"}, {"severity", "info, warning or critical"},
		{"source", "agent, rule or system"}, {"agent_id", "one agent's alerts"},
		{"since", "started at or after: RFC 3339, Unix seconds or milliseconds, or now-<duration>"},
		{"limit", "page size, 1 to 500 (default 50)"}, {"cursor", "next_cursor of the previous page"}}
}

func (s *Server) listAlerts(c *fiber.Ctx) error {
	p := principalOf(c)
	f := store.AlertFilter{State: c.Query("state"), Severity: c.Query("severity"), Source: c.Query("source")}
	if f.State != "" && f.State != store.AlertPending && f.State != store.AlertFiring && f.State != store.AlertResolved {
		return badRequest("state must be pending, firing or resolved")
	}
	if f.Severity != "" && f.Severity != "info" && f.Severity != "warning" && f.Severity != "critical" {
		return badRequest("severity must be info, warning or critical")
	}
	if f.Source != "" && f.Source != store.SourceAgent && f.Source != store.SourceRule && f.Source != store.SourceSystem {
		return badRequest("source must be agent, rule or system")
	}
	if raw := c.Query("agent_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return badRequest("agent_id must be a UUID")
		}
		f.AgentID = &id
	}
	if raw := c.Query("since"); raw != "" {
		t, err := query.ParseTime("since", raw, time.Now())
		if err != nil {
			return err
		}
		f.Since = &t
	}
	var err error
	if f.Limit, err = pageLimit(c); err != nil {
		return err
	}
	if raw := c.Query("cursor"); raw != "" {
		f.After = &store.AlertCursor{}
		if err := decodeCursor(raw, f.After); err != nil {
			return err
		}
	}
	alerts, err := s.store.Alerts(c.UserContext(), p.TenantID, f)
	if err != nil {
		return err
	}
	return c.JSON(newPage(alerts, f.Limit, toAlertReply, func(a store.Alert) any {
		return store.AlertCursor{StartedAt: a.StartedAt, ID: a.ID}
	}))
}

type alertEventReply struct {
	ID       int64     `json:"id"`
	State    string    `json:"state"` // pending, firing or resolved
	Severity string    `json:"severity"`
	Summary  string    `json:"summary"`
	At       time.Time `json:"at"`
}

type alertDetailReply struct {
	alertReply
	Events []alertEventReply `json:"events"` // every transition, oldest first
}

// getAlert answers one alert with its transitions.
func (s *Server) getAlert(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.store.Alert(c.UserContext(), p.TenantID, id)
	if err != nil {
		return err
	}
	evs, err := s.store.AlertEvents(c.UserContext(), p.TenantID, id)
	if err != nil {
		return err
	}
	out := alertDetailReply{alertReply: toAlertReply(a), Events: make([]alertEventReply, 0, len(evs))}
	for _, e := range evs {
		out.Events = append(out.Events, alertEventReply{ID: e.ID, State: e.State, Severity: e.Severity, Summary: e.Summary, At: utc(e.At)})
	}
	return c.JSON(out)
}

type resolveAlertRequest struct {
	Note string `json:"note"`
}

// resolveAlert closes an open alert by hand, keeping who, when and why.
func (s *Server) resolveAlert(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req resolveAlertRequest
	if len(rawBody(c)) > 0 {
		if err := s.decodeJSON(c, &req, true); err != nil {
			return err
		}
	}
	req.Note = strings.TrimSpace(req.Note)
	if len(req.Note) > 2000 {
		return invalid([]FieldError{{Field: "note", Message: "at most 2000 bytes"}})
	}
	a, err := s.store.ResolveAlert(c.UserContext(), p.TenantID, id, p.UserID, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(toAlertReply(a))
}
