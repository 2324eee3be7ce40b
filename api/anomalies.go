package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
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
	before, err := idCursor(c)
	if err != nil {
		return err
	}
	as, err := s.store.Anomalies(c.UserContext(), p.TenantID, include, before, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(as, limit, toAnomalyReply, func(a store.Anomaly) any { return a.ID }))
}

func toAnomalyReply(a store.Anomaly) anomalyReply {
	return anomalyReply{ID: a.ID, AgentID: a.AgentID, Kind: a.Kind, Detail: a.Detail,
		SourceIP: a.SourceIP, CreatedAt: utc(a.CreatedAt), ResolvedAt: utcPtr(a.ResolvedAt)}
}

// resolveAnomaly marks an anomaly handled; resolving twice answers 409.
func (s *Server) resolveAnomaly(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = s.store.ResolveAnomaly(c.UserContext(), p.TenantID, id, p.UserID, s.auditEvent(c, "integrity_anomaly_resolved"))
	if err != nil {
		return answerAs(err, store.ErrAlreadyResolved, conflict("this anomaly is already resolved"))
	}
	return c.SendStatus(http.StatusNoContent)
}
