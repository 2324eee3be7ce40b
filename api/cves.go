package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/vuln"
)

// cveFindingReply is one CVE in one installed package, across the fleet
// (or one agent), hidden findings left out.
type cveFindingReply struct {
	CVE               string    `json:"cve"`
	RecordID          string    `json:"record_id"` // the OSV record the match came from
	Summary           string    `json:"summary"`
	Severity          string    `json:"severity"` // critical, high, medium, low or unknown
	CVSSScore         *float64  `json:"cvss_score,omitempty"`
	CVSSVector        string    `json:"cvss_vector,omitempty"`
	Package           string    `json:"package"`
	SourcePackage     string    `json:"source_package,omitempty"`
	InstalledVersions []string  `json:"installed_versions"` // at most 20
	FixedVersions     []string  `json:"fixed_versions"`     // empty: no fix is known yet
	AgentsAffected    int64     `json:"agents_affected"`
	FirstSeen         time.Time `json:"first_seen"`
}

type severityCountReply struct {
	Severity string `json:"severity"`
	Findings int64  `json:"findings"` // CVE and package pairs
	CVEs     int64  `json:"cves"`
	Agents   int64  `json:"agents"`
}

// cvesReply is a page of findings; the first page with counts=true also
// counts them by severity (a scan of every finding: asked for, not
// default).
type cvesReply struct {
	Items      []cveFindingReply    `json:"items"`
	NextCursor string               `json:"next_cursor,omitempty"`
	Counts     []severityCountReply `json:"counts,omitempty"`
}

func cvesQuery() []queryParam {
	return []queryParam{{"severity", "critical, high, medium, low or unknown; several comma-separated"},
		{"agent_id", "only this agent's findings"}, {"package", "exact installed package name"}, {"cve", "exact CVE id"},
		{"fixed", "true: a fix is known; false: no fix yet"}, {"q", "substring of the CVE, package or summary"},
		{"counts", "true: the first page also counts the findings by severity (reads every finding)"},
		{"limit", "1 to 500 (default 50)"}, {"cursor", "next_cursor of the previous page"}}
}

func score(f *float32) *float64 {
	if f == nil {
		return nil
	}
	v := float64(int64(float64(*f)*10+0.5)) / 10
	return &v
}

func toCVEFinding(g vuln.Group) cveFindingReply {
	fixed := g.Fixed
	if fixed == nil {
		fixed = []string{}
	}
	return cveFindingReply{CVE: g.CVE, RecordID: g.RecordID, Summary: g.Summary, Severity: g.Severity, CVSSScore: score(g.CVSSScore),
		CVSSVector: g.CVSSVector, Package: g.Package, SourcePackage: g.SourcePackage, InstalledVersions: g.Installed,
		FixedVersions: fixed, AgentsAffected: g.Agents, FirstSeen: utc(g.FirstSeen)}
}

// cveFilter reads the list's query parameters.
func cveFilter(c *fiber.Ctx) (vuln.Filter, error) {
	var f vuln.Filter
	if raw := c.Query("severity"); raw != "" {
		for _, s := range strings.Split(raw, ",") {
			s = strings.TrimSpace(s)
			if !vuln.ValidSeverity(s) {
				return f, badRequest("severity must be critical, high, medium, low or unknown (comma-separated for several)")
			}
			f.Severities = append(f.Severities, s)
		}
	}
	if raw := c.Query("agent_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return f, badRequest("agent_id must be an agent's id (a UUID)")
		}
		f.AgentID = &id
	}
	f.Package, f.CVE, f.Q = c.Query("package"), strings.ToUpper(c.Query("cve")), c.Query("q")
	if len(f.Package) > 300 || len(f.CVE) > 200 || len(f.Q) > 200 {
		return f, badRequest("package is at most 300 bytes; cve and q at most 200")
	}
	switch c.Query("fixed") {
	case "":
	case "true":
		t := true
		f.Fixed = &t
	case "false":
		no := false
		f.Fixed = &no
	default:
		return f, badRequest("fixed must be true or false")
	}
	var err error
	if f.Limit, err = pageLimit(c); err != nil {
		return f, err
	}
	if raw := c.Query("cursor"); raw != "" {
		f.After = &vuln.Cursor{}
		if err := decodeCursor(raw, f.After); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *Server) listCVEs(c *fiber.Ctx) error {
	f, err := cveFilter(c)
	if err != nil {
		return err
	}
	return s.answerCVEs(c, f)
}

// agentCVEs is one agent's findings: the list with agent_id set.
func (s *Server) agentCVEs(c *fiber.Ctx) error {
	a, err := s.pathAgent(c)
	if err != nil {
		return err
	}
	id := a.ID
	f, err := cveFilter(c)
	if err != nil {
		return err
	}
	f.AgentID = &id
	return s.answerCVEs(c, f)
}

func (s *Server) answerCVEs(c *fiber.Ctx, f vuln.Filter) error {
	tenant := principalOf(c).TenantID
	groups, err := s.vulns.List(c.UserContext(), tenant, f)
	if err != nil {
		return err
	}
	pg := newPage(groups, f.Limit, toCVEFinding, func(g vuln.Group) any { return vuln.CursorOf(g) })
	out := cvesReply{Items: pg.Items, NextCursor: pg.NextCursor}
	if f.After == nil && c.Query("counts") == "true" {
		counts, err := s.vulns.SeverityCounts(c.UserContext(), tenant, f.AgentID)
		if err != nil {
			return err
		}
		out.Counts = make([]severityCountReply, len(counts))
		for i, n := range counts {
			out.Counts[i] = severityCountReply{Severity: n.Severity, Findings: n.Findings, CVEs: n.CVEs, Agents: n.Agents}
		}
	}
	return c.JSON(out)
}

type advisoryReply struct {
	ID         string     `json:"id"`
	Summary    string     `json:"summary"`
	Severity   string     `json:"severity"`
	CVSSScore  *float64   `json:"cvss_score,omitempty"`
	CVSSVector string     `json:"cvss_vector,omitempty"`
	Aliases    []string   `json:"aliases"`
	Published  *time.Time `json:"published,omitempty"`
	Modified   time.Time  `json:"modified"`
}

type affectedHostReply struct {
	AgentID          uuid.UUID `json:"agent_id"`
	Hostname         string    `json:"hostname"`
	Package          string    `json:"package"`
	Arch             string    `json:"arch,omitempty"`
	InstalledVersion string    `json:"installed_version"`
	FixedVersion     string    `json:"fixed_version"` // "" when no fix is known
	FirstSeen        time.Time `json:"first_seen"`
	Hidden           bool      `json:"hidden"` // an unexpired exception hides it from the lists
}

// cveDetailReply is GET /inventory/cves/:cve. CVE data is the hub's, not a
// tenant's: any tenant reads an advisory; the hosts are its own.
type cveDetailReply struct {
	CVE        string              `json:"cve"`
	Advisories []advisoryReply     `json:"advisories"`
	Hosts      []affectedHostReply `json:"hosts"` // at most 1000
}

func (s *Server) getCVE(c *fiber.Ctx) error {
	id := c.Params("cve")
	if id == "" || len(id) > 200 {
		return badRequest("the id is a CVE id or an OSV record id, at most 200 bytes")
	}
	d, err := s.vulns.CVE(c.UserContext(), principalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	out := cveDetailReply{CVE: d.CVE, Advisories: make([]advisoryReply, len(d.Advisories)), Hosts: make([]affectedHostReply, len(d.Hosts))}
	for i, a := range d.Advisories {
		out.Advisories[i] = advisoryReply{ID: a.ID, Summary: a.Summary, Severity: a.Severity, CVSSScore: score(a.CVSSScore),
			CVSSVector: a.CVSSVector, Aliases: a.Aliases, Published: utcPtr(a.Published), Modified: utc(a.Modified)}
	}
	for i, h := range d.Hosts {
		out.Hosts[i] = affectedHostReply{AgentID: h.AgentID, Hostname: h.Hostname, Package: h.Package, Arch: h.Arch,
			InstalledVersion: h.Installed, FixedVersion: h.Fixed, FirstSeen: utc(h.FirstSeen), Hidden: h.Hidden}
	}
	return c.JSON(out)
}
