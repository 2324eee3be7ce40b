package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/topology"
)

type detectedReply struct {
	ID        int64      `json:"id"`
	From      *uuid.UUID `json:"from_agent"`
	FromName  string     `json:"from_name,omitempty"`
	To        *uuid.UUID `json:"to_agent"`
	ToName    string     `json:"to_name,omitempty"`
	Peer      string     `json:"peer,omitempty"` // the end no agent owns
	Proto     string     `json:"proto"`
	Port      int32      `json:"port"`
	Service   string     `json:"service"`
	NAT       bool       `json:"nat"`
	Flows     int32      `json:"flows"`
	FirstSeen time.Time  `json:"first_seen"`
	LastSeen  time.Time  `json:"last_seen"`
	SeenCount int64      `json:"seen_count"`
}

func toDetectedReply(d store.Detected) detectedReply {
	r := detectedReply{ID: d.ID, From: d.FromAgent, To: d.ToAgent, Peer: d.Peer, Proto: d.Proto, Port: d.Port,
		Service: d.Service, NAT: d.NAT, Flows: d.Flows, FirstSeen: utc(d.FirstSeen), LastSeen: utc(d.LastSeen), SeenCount: d.SeenCount}
	if d.FromName != nil {
		r.FromName = *d.FromName
	}
	if d.ToName != nil {
		r.ToName = *d.ToName
	}
	return r
}

func (s *Server) listDetected(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	var after *int64
	if raw := c.Query("cursor"); raw != "" {
		after = new(int64)
		if err := decodeCursor(raw, after); err != nil {
			return err
		}
	}
	unmatched := c.Query("unmatched") == "1" || c.Query("unmatched") == "true"
	ds, err := s.store.DetectedConnections(c.UserContext(), principalOf(c).TenantID, unmatched, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(ds, limit, toDetectedReply, func(d store.Detected) any { return d.ID }))
}

type promoteReply struct {
	From topology.Node `json:"from"`
	To   topology.Node `json:"to"`
	Edge edgeReply     `json:"edge"`
}

func (s *Server) promoteDetected(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return notFound("no such detected connection in this tenant")
	}
	p, err := s.store.PromoteDetected(c.UserContext(), principalOf(c).TenantID, id, s.auditEvent(c, "topology_detected_promoted"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(promoteReply{From: toNodeReply(p.From), To: toNodeReply(p.To), Edge: toEdgeReply(p.Edge)})
}

// liveMap is the tenant's map now: drawn nodes and edges joined with the
// detected connections between agents.
func (s *Server) liveMap(ctx context.Context, tenantID uuid.UUID) (topology.Map, error) {
	zones, err := s.store.Zones(ctx, tenantID)
	if err != nil {
		return topology.Map{}, err
	}
	nodes, err := s.store.Nodes(ctx, tenantID)
	if err != nil {
		return topology.Map{}, err
	}
	edges, err := s.store.Edges(ctx, tenantID)
	if err != nil {
		return topology.Map{}, err
	}
	detected, err := s.store.AllDetected(ctx, tenantID)
	if err != nil {
		return topology.Map{}, err
	}
	return topology.BuildMap(zones, nodes, edges, detected), nil
}

// scopedMap is the live map narrowed by ?zone= and ?env= (a zone's id or
// name; env names a zone of kind environment).
func (s *Server) scopedMap(c *fiber.Ctx) (topology.Map, error) {
	m, err := s.liveMap(c.UserContext(), principalOf(c).TenantID)
	if err != nil {
		return m, err
	}
	for _, f := range []struct{ param, kind string }{{"env", "environment"}, {"zone", ""}} {
		if v := c.Query(f.param); v != "" {
			var ok bool
			if m, ok = m.Within(v, f.kind); !ok {
				return m, notFound("no " + f.param + " named " + strconv.Quote(v) + " in this tenant")
			}
		}
	}
	return m, nil
}

func (s *Server) exportMermaid(c *fiber.Ctx) error {
	m, err := s.scopedMap(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/vnd.mermaid; charset=utf-8")
	return c.SendString(topology.Mermaid(m))
}
