package api

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/audit"
)

// auditReply is one audit row as the API shows it.
type auditReply struct {
	ID         int64           `json:"id"`
	Seq        int64           `json:"seq"`
	OccurredAt time.Time       `json:"occurred_at"`
	ActorType  string          `json:"actor_type"`
	ActorID    string          `json:"actor_id,omitempty"`
	EventType  string          `json:"event_type"`
	TargetType string          `json:"target_type,omitempty"`
	TargetID   string          `json:"target_id,omitempty"`
	IP         string          `json:"ip,omitempty"`
	Details    json.RawMessage `json:"details"`
}

func toAuditReply(r audit.Row) auditReply {
	return auditReply{ID: r.ID, Seq: r.Seq, OccurredAt: r.OccurredAt, ActorType: r.ActorType, ActorID: r.ActorID,
		EventType: r.Type, TargetType: r.TargetType, TargetID: r.TargetID, IP: r.IP, Details: json.RawMessage(r.Details)}
}

func auditQuery() []queryParam {
	return []queryParam{{"type", "event_type, e.g. login_failed"}, {"actor", "actor id (user, API key or agent)"},
		{"target", "target id"}, {"since", "RFC 3339: events at or after"}, {"until", "RFC 3339: events before"},
		{"limit", "page size, 1 to 500 (default 50)"}, {"cursor", "next_cursor of the previous page"}}
}

// listAuditLog pages through the tenant's audit log, newest first.
func (s *Server) listAuditLog(c *fiber.Ctx) error {
	p := principalOf(c)
	f := audit.Filter{Type: c.Query("type"), ActorID: c.Query("actor"), TargetID: c.Query("target")}
	var err error
	if f.Limit, err = pageLimit(c); err != nil {
		return err
	}
	var errs []FieldError
	f.Since, errs = queryTime(c, "since", errs)
	f.Until, errs = queryTime(c, "until", errs)
	if len(errs) > 0 {
		return invalid(errs)
	}
	if raw := c.Query("cursor"); raw != "" {
		if err := decodeCursor(raw, &f.BeforeID); err != nil {
			return err
		}
	}
	rows, err := s.store.AuditLog(c.UserContext(), p.TenantID, f)
	if err != nil {
		return err
	}
	return c.JSON(newPage(rows, f.Limit, toAuditReply, func(r audit.Row) any { return r.ID }))
}

// verifyAuditLog recomputes the tenant's chain and names the first broken
// link.
func (s *Server) verifyAuditLog(c *fiber.Ctx) error {
	rep, err := s.store.VerifyAuditLog(c.UserContext(), principalOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}

// queryTime reads an optional RFC 3339 query parameter.
func queryTime(c *fiber.Ctx, name string, errs []FieldError) (*time.Time, []FieldError) {
	raw := c.Query(name)
	if raw == "" {
		return nil, errs
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return nil, append(errs, FieldError{Field: name, Message: "must be an RFC 3339 time"})
	}
	return &t, errs
}
