package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

type anomalyReply struct {
	ID         uuid.UUID      `json:"id"`
	AgentID    *uuid.UUID     `json:"agent_id,omitempty"`
	Kind       string         `json:"kind"`
	Detail     map[string]any `json:"detail"`
	SourceIP   string         `json:"source_ip,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	ResolvedAt *time.Time     `json:"resolved_at,omitempty"`
}

func (s *Server) listAnomalies(c *fiber.Ctx) error {
	p := principalOf(c)
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	include, err := strconv.ParseBool(c.Query("include_resolved", "0"))
	if err != nil {
		return badRequest("include_resolved must be 0 or 1")
	}
	as, err := s.store.Anomalies(c.UserContext(), p.TenantID, include, limit)
	if err != nil {
		return err
	}
	out := page[anomalyReply]{Items: make([]anomalyReply, 0, len(as))}
	for _, a := range as {
		out.Items = append(out.Items, anomalyReply{ID: a.ID, AgentID: a.AgentID, Kind: a.Kind, Detail: a.Detail,
			SourceIP: a.SourceIP, CreatedAt: utc(a.CreatedAt), ResolvedAt: utcPtr(a.ResolvedAt)})
	}
	return c.JSON(out)
}
