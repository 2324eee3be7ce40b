package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/vuln"
)

// createCVEExceptionRequest hides a CVE's findings until expires_at: of
// one package or all, on one agent, the agents with a tag, or everywhere.
type createCVEExceptionRequest struct {
	CVE       string     `json:"cve"`
	Package   string     `json:"package,omitempty"`
	AgentID   *uuid.UUID `json:"agent_id,omitempty"`
	Tag       string     `json:"tag,omitempty"`
	Reason    string     `json:"reason"`
	ExpiresAt time.Time  `json:"expires_at"`
}

type cveExceptionReply struct {
	ID        uuid.UUID  `json:"id"`
	CVE       string     `json:"cve"`
	Package   string     `json:"package,omitempty"`
	AgentID   *uuid.UUID `json:"agent_id,omitempty"`
	Tag       string     `json:"tag,omitempty"`
	Reason    string     `json:"reason"`
	ExpiresAt time.Time  `json:"expires_at"`
	Expired   bool       `json:"expired"`
	CreatedBy *uuid.UUID `json:"created_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

func toCVEException(e vuln.Exception) cveExceptionReply {
	return cveExceptionReply{ID: e.ID, CVE: e.CVE, Package: e.Package, AgentID: e.AgentID, Tag: e.Tag, Reason: e.Reason,
		ExpiresAt: utc(e.ExpiresAt), Expired: e.Expired, CreatedBy: e.CreatedBy, CreatedAt: utc(e.CreatedAt)}
}

// maxExceptionLife keeps exceptions from becoming permanent by accident.
const maxExceptionLife = 366 * 24 * time.Hour

func (s *Server) createCVEException(c *fiber.Ctx) error {
	p := principalOf(c)
	var req createCVEExceptionRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	req.CVE, req.Package, req.Tag, req.Reason = strings.ToUpper(strings.TrimSpace(req.CVE)), strings.TrimSpace(req.Package),
		strings.TrimSpace(req.Tag), strings.TrimSpace(req.Reason)
	var errs []FieldError
	if req.CVE == "" || len(req.CVE) > 100 {
		errs = append(errs, FieldError{Field: "cve", Message: "required, at most 100 bytes (CVE-2024-1234, or an OSV id)"})
	}
	if len(req.Package) > 300 {
		errs = append(errs, FieldError{Field: "package", Message: "at most 300 bytes"})
	}
	if len(req.Tag) > 100 {
		errs = append(errs, FieldError{Field: "tag", Message: "at most 100 bytes"})
	}
	if req.AgentID != nil && req.Tag != "" {
		errs = append(errs, FieldError{Field: "tag", Message: "give agent_id or tag, not both"})
	}
	if req.Reason == "" || len(req.Reason) > 1000 {
		errs = append(errs, FieldError{Field: "reason", Message: "required, at most 1000 bytes: why the finding may wait"})
	}
	now := time.Now()
	if !req.ExpiresAt.After(now) || req.ExpiresAt.After(now.Add(maxExceptionLife)) {
		errs = append(errs, FieldError{Field: "expires_at", Message: "required, in the future and within a year (RFC 3339)"})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	var by *uuid.UUID
	if p.APIKey == nil {
		by = &p.UserID
	}
	e, err := s.vulns.CreateException(c.UserContext(), p.TenantID, vuln.Exception{CVE: req.CVE, Package: req.Package,
		AgentID: req.AgentID, Tag: req.Tag, Reason: req.Reason, ExpiresAt: req.ExpiresAt, CreatedBy: by}, s.auditEvent(c, ""))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(toCVEException(e))
}

func (s *Server) listCVEExceptions(c *fiber.Ctx) error {
	limit, after, err := idPage(c)
	if err != nil {
		return err
	}
	withExpired := false
	switch c.Query("expired") {
	case "", "false":
	case "true":
		withExpired = true
	default:
		return badRequest("expired must be true or false")
	}
	es, err := s.vulns.Exceptions(c.UserContext(), principalOf(c).TenantID, withExpired, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(es, limit, toCVEException, func(e vuln.Exception) any { return e.ID }))
}

func (s *Server) deleteCVEException(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.vulns.DeleteException(c.UserContext(), principalOf(c).TenantID, id, s.auditEvent(c, "")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
