package api

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/vuln"
)

// Vulns is what the CVE routes need of *vuln.Service.
type Vulns interface {
	List(ctx context.Context, tenantID uuid.UUID, f vuln.Filter) ([]vuln.Group, error)
	SeverityCounts(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID) ([]vuln.Counts, error)
	CVE(ctx context.Context, tenantID uuid.UUID, id string) (vuln.CVEDetail, error)
	CreateException(ctx context.Context, tenantID uuid.UUID, e vuln.Exception, ev audit.Event) (vuln.Exception, error)
	Exceptions(ctx context.Context, tenantID uuid.UUID, withExpired bool, after *uuid.UUID, limit int) ([]vuln.Exception, error)
	DeleteException(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error
}

// noVulns stands in when the server was built without vulnerability
// matching.
type noVulns struct{}

var errNoVulns = newProblem(fiber.StatusServiceUnavailable, "unavailable", "vulnerability matching is not available on this server")

func (noVulns) List(context.Context, uuid.UUID, vuln.Filter) ([]vuln.Group, error) {
	return nil, errNoVulns
}
func (noVulns) SeverityCounts(context.Context, uuid.UUID, *uuid.UUID) ([]vuln.Counts, error) {
	return nil, errNoVulns
}
func (noVulns) CVE(context.Context, uuid.UUID, string) (vuln.CVEDetail, error) {
	return vuln.CVEDetail{}, errNoVulns
}
func (noVulns) CreateException(context.Context, uuid.UUID, vuln.Exception, audit.Event) (vuln.Exception, error) {
	return vuln.Exception{}, errNoVulns
}
func (noVulns) Exceptions(context.Context, uuid.UUID, bool, *uuid.UUID, int) ([]vuln.Exception, error) {
	return nil, errNoVulns
}
func (noVulns) DeleteException(context.Context, uuid.UUID, uuid.UUID, audit.Event) error {
	return errNoVulns
}
