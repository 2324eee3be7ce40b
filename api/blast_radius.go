package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/topology"
)

type blastRadiusReply struct {
	Agent   uuid.UUID        `json:"agent"`
	Depth   int              `json:"depth"`
	Reached []topology.Reach `json:"reached"` // best path per host, highest score first
	Mermaid string           `json:"mermaid"` // the paths as a flowchart
}

// blastRadius answers what a compromised agent reaches and why (scoring:
// topology/doc.go, "Blast radius").
func (s *Server) blastRadius(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	depth := 2
	if raw := c.Query("depth"); raw != "" {
		if depth, err = strconv.Atoi(raw); err != nil || depth < 1 || depth > topology.MaxDepth {
			return badRequest("depth must be a whole number from 1 to " + strconv.Itoa(topology.MaxDepth))
		}
	}
	ctx, tenant := c.UserContext(), principalOf(c).TenantID
	kinds, err := s.store.TenantInventoryKinds(ctx, tenant, topology.BlastKinds)
	if err != nil {
		return err
	}
	m, err := s.liveMap(ctx, tenant)
	if err != nil {
		return err
	}
	detected, err := s.store.AllDetected(ctx, tenant)
	if err != nil {
		return err
	}
	g := topology.FleetGraph(kinds, m, detected)
	reached, ok := g.BlastRadius(id.String(), depth)
	if !ok {
		return notFound("no such agent in this tenant")
	}
	return c.JSON(blastRadiusReply{Agent: id, Depth: depth, Reached: reached, Mermaid: g.BlastMermaid(id.String(), reached)})
}
