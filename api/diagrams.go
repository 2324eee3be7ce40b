package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/topology"
)

// maxDiagramSource bounds a diagram's Mermaid source (the column allows
// 1 MiB; generated maps of thousands of nodes fit).
const maxDiagramSource = 1 << 20

type diagramRequest struct {
	Name   string `json:"name"`
	Source string `json:"source"` // Mermaid
}

type diagramReply struct {
	ID             uuid.UUID       `json:"id"`
	Name           string          `json:"name"`
	Source         string          `json:"source"`
	Scope          json.RawMessage `json:"scope,omitempty"`    // what generated it
	Template       string          `json:"template,omitempty"` // the template it started from
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	Shared         bool            `json:"shared"`
	ShareExpiresAt *time.Time      `json:"share_expires_at,omitempty"`
}

func toDiagramReply(d store.Diagram) diagramReply {
	return diagramReply{ID: d.ID, Name: d.Name, Source: d.Source, Scope: d.Scope, Template: d.Template,
		CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt), Shared: d.Shared, ShareExpiresAt: utcPtr(d.ShareExpiresAt)}
}

func (r *diagramRequest) validate() error {
	var errs []FieldError
	if r.Name = strings.TrimSpace(r.Name); r.Name == "" || len(r.Name) > 200 {
		errs = append(errs, FieldError{Field: "name", Message: "1 to 200 bytes"})
	}
	if strings.TrimSpace(r.Source) == "" || len(r.Source) > maxDiagramSource {
		errs = append(errs, FieldError{Field: "source", Message: "Mermaid source of 1 byte to 1 MiB"})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	return nil
}

func (s *Server) createDiagram(c *fiber.Ctx) error {
	var req diagramRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	d, err := s.store.CreateDiagram(c.UserContext(), principalOf(c).TenantID,
		store.Diagram{Name: req.Name, Source: req.Source}, s.auditEvent(c, "diagram_created"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(toDiagramReply(d))
}

// diagramScope is what a generated diagram shows: the whole map, or the
// part inside a zone or environment, or the nodes with a tag.
type diagramScope struct {
	Zone string `json:"zone,omitempty"`
	Env  string `json:"env,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

type generateRequest struct {
	Name  string       `json:"name"`
	Scope diagramScope `json:"scope"`
}

func (s *Server) generateDiagram(c *fiber.Ctx) error {
	var req generateRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	tenant := principalOf(c).TenantID
	m, err := s.liveMap(c.UserContext(), tenant)
	if err != nil {
		return err
	}
	for _, f := range []struct{ field, value, kind string }{{"scope.env", req.Scope.Env, "environment"}, {"scope.zone", req.Scope.Zone, ""}} {
		var ok bool
		if f.value != "" {
			if m, ok = m.Within(f.value, f.kind); !ok {
				return invalid([]FieldError{{Field: f.field, Message: "no such zone in this tenant"}})
			}
		}
	}
	if req.Scope.Tag != "" {
		m = m.Tagged(req.Scope.Tag)
	}
	if req.Name = strings.TrimSpace(req.Name); req.Name == "" {
		req.Name = "Map " + time.Now().UTC().Format("2006-01-02 15:04")
	}
	scope, _ := json.Marshal(req.Scope) // three strings always marshal
	d, err := s.store.CreateDiagram(c.UserContext(), tenant, store.Diagram{Name: req.Name, Source: topology.Mermaid(m), Scope: scope},
		s.auditEvent(c, "diagram_created"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(toDiagramReply(d))
}

func (s *Server) listDiagramTemplates(c *fiber.Ctx) error {
	return c.JSON(page[topology.Template]{Items: topology.Templates})
}

func (s *Server) diagramFromTemplate(c *fiber.Ctx) error {
	tpl, ok := topology.TemplateByID(c.Params("id"))
	if !ok {
		return notFound("no such template; GET /api/v1/diagrams/templates lists them")
	}
	var req diagramRequest
	if err := s.decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	if req.Name = strings.TrimSpace(req.Name); req.Name == "" {
		req.Name = tpl.Name
	}
	d, err := s.store.CreateDiagram(c.UserContext(), principalOf(c).TenantID,
		store.Diagram{Name: req.Name, Source: tpl.Source, Template: tpl.ID}, s.auditEvent(c, "diagram_created"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(toDiagramReply(d))
}

func (s *Server) listDiagrams(c *fiber.Ctx) error {
	limit, after, err := idPage(c)
	if err != nil {
		return err
	}
	ds, err := s.store.Diagrams(c.UserContext(), principalOf(c).TenantID, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(ds, limit, toDiagramReply, func(d store.Diagram) any { return d.ID }))
}

func (s *Server) getDiagram(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.store.DiagramByID(c.UserContext(), principalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(toDiagramReply(d))
}

func (s *Server) updateDiagram(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req diagramRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	d, err := s.store.UpdateDiagram(c.UserContext(), principalOf(c).TenantID,
		store.Diagram{ID: id, Name: req.Name, Source: req.Source}, s.auditEvent(c, "diagram_updated"))
	if err != nil {
		return err
	}
	return c.JSON(toDiagramReply(d))
}

func (s *Server) deleteDiagram(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteDiagram(c.UserContext(), principalOf(c).TenantID, id, s.auditEvent(c, "diagram_deleted")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
