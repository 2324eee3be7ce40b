package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/topology"
)

var (
	nodeKinds = []string{"agent", "cloud", "device", "service"}
	zoneKinds = []string{"network", "site", "environment"}
)

type nodeRequest struct {
	Kind      string     `json:"kind"` // agent, cloud, device, service (not changed by PATCH)
	Name      string     `json:"name"`
	AgentID   *uuid.UUID `json:"agent_id,omitempty"` // with kind agent
	Addresses []string   `json:"addresses"`
	ZoneID    *uuid.UUID `json:"zone_id,omitempty"`
	Tags      []string   `json:"tags"`
}

func toNodeReply(n store.Node) topology.Node {
	m := topology.BuildMap(nil, []store.Node{n}, nil, nil)
	return m.Nodes[0]
}

// validate checks a node; create also checks kind and agent.
func (r *nodeRequest) validate(create bool) []FieldError {
	var errs []FieldError
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" || len(r.Name) > 200 {
		errs = append(errs, FieldError{Field: "name", Message: "1 to 200 bytes"})
	}
	if create && !slices.Contains(nodeKinds, r.Kind) {
		errs = append(errs, FieldError{Field: "kind", Message: "one of " + strings.Join(nodeKinds, ", ")})
	}
	if create && (r.Kind == "agent") != (r.AgentID != nil) {
		errs = append(errs, FieldError{Field: "agent_id", Message: "required with kind agent, and only with it"})
	}
	errs = append(errs, shortList("addresses", r.Addresses, 32, 64)...)
	return append(errs, shortList("tags", r.Tags, 32, 64)...)
}

func shortList(field string, items []string, maxItems, maxLen int) []FieldError {
	if len(items) > maxItems {
		return []FieldError{{Field: field, Message: "too many entries"}}
	}
	for _, it := range items {
		if it == "" || len(it) > maxLen {
			return []FieldError{{Field: field, Message: "entries must be 1 to 64 bytes"}}
		}
	}
	return nil
}

func (r nodeRequest) node() store.Node {
	return store.Node{Kind: r.Kind, Name: r.Name, AgentID: r.AgentID, Addresses: r.Addresses, ZoneID: r.ZoneID, Tags: r.Tags}
}

func (s *Server) createNode(c *fiber.Ctx) error {
	var req nodeRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	if errs := req.validate(true); len(errs) > 0 {
		return invalid(errs)
	}
	n, err := s.store.CreateNode(c.UserContext(), principalOf(c).TenantID, req.node(), s.auditEvent(c, "topology_node_created"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(toNodeReply(n))
}

func (s *Server) updateNode(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req nodeRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	if errs := req.validate(false); len(errs) > 0 {
		return invalid(errs)
	}
	n := req.node()
	n.ID = id
	n, err = s.store.UpdateNode(c.UserContext(), principalOf(c).TenantID, n, s.auditEvent(c, "topology_node_updated"))
	if err != nil {
		return err
	}
	return c.JSON(toNodeReply(n))
}

func (s *Server) deleteNode(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteNode(c.UserContext(), principalOf(c).TenantID, id, s.auditEvent(c, "topology_node_deleted")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// listNodes answers the map's nodes: drawn ones and, for agents with
// detected connections, the agent nodes the map draws for them.
func (s *Server) listNodes(c *fiber.Ctx) error {
	m, err := s.liveMap(c.UserContext(), principalOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(page[topology.Node]{Items: m.Nodes})
}

type edgeRequest struct {
	From     uuid.UUID `json:"from"`
	To       uuid.UUID `json:"to"`
	Protocol string    `json:"protocol"`
	Port     *int32    `json:"port,omitempty"`
	Label    string    `json:"label"`
}

type edgeReply struct {
	ID       uuid.UUID `json:"id"`
	From     uuid.UUID `json:"from"`
	To       uuid.UUID `json:"to"`
	Protocol string    `json:"protocol"`
	Port     *int32    `json:"port,omitempty"`
	Label    string    `json:"label"`
}

func toEdgeReply(e store.MapEdge) edgeReply {
	return edgeReply{ID: e.ID, From: e.From, To: e.To, Protocol: e.Protocol, Port: e.Port, Label: e.Label}
}

func (s *Server) createEdge(c *fiber.Ctx) error {
	var req edgeRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	var errs []FieldError
	if req.From == req.To {
		errs = append(errs, FieldError{Field: "to", Message: "an edge joins two different nodes"})
	}
	if req.Port != nil && (*req.Port < 1 || *req.Port > 65535) {
		errs = append(errs, FieldError{Field: "port", Message: "1 to 65535"})
	}
	if len(req.Protocol) > 32 || len(req.Label) > 200 {
		errs = append(errs, FieldError{Field: "label", Message: "protocol at most 32 bytes, label at most 200"})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	e, err := s.store.CreateEdge(c.UserContext(), principalOf(c).TenantID,
		store.MapEdge{From: req.From, To: req.To, Protocol: req.Protocol, Port: req.Port, Label: req.Label}, s.auditEvent(c, "topology_edge_created"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(toEdgeReply(e))
}

func (s *Server) listEdges(c *fiber.Ctx) error {
	es, err := s.store.Edges(c.UserContext(), principalOf(c).TenantID)
	if err != nil {
		return err
	}
	out := page[edgeReply]{Items: make([]edgeReply, 0, len(es))}
	for _, e := range es {
		out.Items = append(out.Items, toEdgeReply(e))
	}
	return c.JSON(out)
}

func (s *Server) deleteEdge(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteEdge(c.UserContext(), principalOf(c).TenantID, id, s.auditEvent(c, "topology_edge_deleted")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

type zoneRequest struct {
	Name     string     `json:"name"`
	Kind     string     `json:"kind"` // network, site, environment
	ParentID *uuid.UUID `json:"parent_id,omitempty"`
}

func (s *Server) createZone(c *fiber.Ctx) error {
	var req zoneRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	var errs []FieldError
	if req.Name == "" || len(req.Name) > 200 {
		errs = append(errs, FieldError{Field: "name", Message: "1 to 200 bytes"})
	}
	if !slices.Contains(zoneKinds, req.Kind) {
		errs = append(errs, FieldError{Field: "kind", Message: "one of " + strings.Join(zoneKinds, ", ")})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	z, err := s.store.CreateZone(c.UserContext(), principalOf(c).TenantID,
		store.Zone{Name: req.Name, Kind: req.Kind, ParentID: req.ParentID}, s.auditEvent(c, "topology_zone_created"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(topology.BuildMap([]store.Zone{z}, nil, nil, nil).Zones[0])
}

func (s *Server) listZones(c *fiber.Ctx) error {
	zs, err := s.store.Zones(c.UserContext(), principalOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(page[topology.Zone]{Items: topology.BuildMap(zs, nil, nil, nil).Zones})
}
