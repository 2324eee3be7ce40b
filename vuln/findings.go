package vuln

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Filter narrows GET /inventory/cves. Zero fields do not filter.
type Filter struct {
	Severities []string   // levels, any of them
	AgentID    *uuid.UUID // one agent's findings
	Package    string     // exact installed package name
	CVE        string     // exact CVE id
	Fixed      *bool      // true: a fix is known; false: none yet
	Q          string     // case-insensitive substring of the CVE, package or summary
	After      *Cursor
	Limit      int
}

// Cursor is the position after the last group of a page.
type Cursor struct {
	Rank    int     `json:"r"`
	Score   float64 `json:"s"` // -1 when the group has no score
	CVE     string  `json:"c"`
	Package string  `json:"p"`
}

// Group is one CVE in one installed package across the fleet (or one
// agent): the versions installed, the fixes known, and how many agents
// have it, exceptions left out.
type Group struct {
	CVE           string    `db:"cve"`
	Package       string    `db:"package"`
	SourcePackage string    `db:"source_package"`
	RecordID      string    `db:"record_id"`
	Summary       string    `db:"summary"`
	Severity      string    `db:"severity"`
	CVSSScore     *float32  `db:"cvss_score"`
	CVSSVector    string    `db:"cvss_vector"`
	Installed     []string  `db:"installed"`
	Fixed         []string  `db:"fixed"`
	Agents        int64     `db:"agents"`
	FirstSeen     time.Time `db:"first_seen"`
}

// CursorOf is the cursor after g.
func CursorOf(g Group) Cursor {
	c := Cursor{Rank: SeverityRank(g.Severity), Score: -1, CVE: g.CVE, Package: g.Package}
	if g.CVSSScore != nil {
		c.Score = roundScore(*g.CVSSScore)
	}
	return c
}

// listSQL groups the tenant's visible findings by severity, score, CVE
// and package, in the order of vuln_findings_list_idx, so that a page
// reads the rows of its own groups and stops (a CVE whose records differ
// in severity or score across distributions shows once per rating). A
// deleted agent's findings stay stored, with its other history, but count
// nowhere. The cursor is the last group's key.
const listSQL = `WITH g AS (
  SELECT f.severity_rank, f.cvss_score, f.cve, f.package,
    min(f.record_id) AS record_id, min(f.source_package) AS source_package, count(DISTINCT f.agent_id) AS agents,
    (array_agg(DISTINCT f.installed_version))[1:20] AS installed,
    COALESCE((array_agg(DISTINCT f.fixed_version) FILTER (WHERE f.fixed_version <> ''))[1:20], '{}') AS fixed,
    min(f.first_seen) AS first_seen
  FROM vuln_findings f
  WHERE f.tenant_id = $1
    AND EXISTS (SELECT 1 FROM agents a WHERE a.id = f.agent_id AND a.deleted_at IS NULL)
    AND (cardinality($2::smallint[]) = 0 OR f.severity_rank = ANY($2))
    AND ($3::uuid IS NULL OR f.agent_id = $3)
    AND ($4 = '' OR f.package = $4)
    AND ($5 = '' OR f.cve = $5)
    AND ($6::boolean IS NULL OR (f.fixed_version <> '') = $6)
    AND NOT ($14 AND vuln_hidden(f.tenant_id, f.agent_id, f.cve, f.package, $7))
    AND ($9::int IS NULL OR f.severity_rank < $9 OR (f.severity_rank = $9 AND (COALESCE(f.cvss_score, -1) < $10::real
         OR (COALESCE(f.cvss_score, -1) = $10::real AND (f.cve, f.package) > ($11, $12)))))
  GROUP BY f.severity_rank, f.cvss_score, f.cve, f.package
  ORDER BY f.severity_rank DESC, f.cvss_score DESC NULLS LAST, f.cve, f.package
)
SELECT g.cve, g.package, g.source_package, g.record_id, r.summary,
  CASE g.severity_rank WHEN 4 THEN 'critical' WHEN 3 THEN 'high' WHEN 2 THEN 'medium' WHEN 1 THEN 'low' ELSE 'unknown' END AS severity,
  g.cvss_score, r.cvss_vector, g.installed, g.fixed, g.agents, g.first_seen
FROM g JOIN vuln_records r ON r.id = g.record_id
WHERE ($8 = '' OR g.cve ILIKE '%' || $8 || '%' ESCAPE '\' OR g.package ILIKE '%' || $8 || '%' ESCAPE '\'
       OR r.summary ILIKE '%' || $8 || '%' ESCAPE '\')
ORDER BY g.severity_rank DESC, g.cvss_score DESC NULLS LAST, g.cve, g.package
LIMIT $13`

// List answers a page of the tenant's findings grouped by CVE and
// package.
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, f Filter) ([]Group, error) {
	ranks := []int16{}
	for _, sev := range f.Severities {
		ranks = append(ranks, int16(SeverityRank(sev)))
	}
	var rank *int
	var score float32
	var afterCVE, afterPkg string
	if f.After != nil {
		rank, score, afterCVE, afterPkg = &f.After.Rank, float32(f.After.Score), f.After.CVE, f.After.Package
	}
	now := s.cfg.Now()
	excepted, err := s.hasExceptions(ctx, tenantID, now)
	if err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, listSQL, tenantID, ranks, f.AgentID, f.Package, f.CVE, f.Fixed, now,
		escapeLike(f.Q), rank, score, afterCVE, afterPkg, f.Limit, excepted)
	groups, err := pgx.CollectRows(rows, pgx.RowToStructByName[Group])
	if err != nil {
		return nil, fmt.Errorf("list vulnerability findings: %w", err)
	}
	return groups, nil
}

const liveExceptionsSQL = `SELECT EXISTS (SELECT 1 FROM vuln_exceptions
WHERE tenant_id = $1 AND deleted_at IS NULL AND expires_at > $2)`

// hasExceptions says whether any exception of the tenant is in force:
// without one, the lists skip the per-finding check.
func (s *Service) hasExceptions(ctx context.Context, tenantID uuid.UUID, now time.Time) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, liveExceptionsSQL, tenantID, now).Scan(&ok); err != nil {
		return false, fmt.Errorf("look up exceptions: %w", err)
	}
	return ok, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Counts is how many (CVE, package) groups and agents each severity has,
// exceptions left out.
type Counts struct {
	Severity string `db:"severity"`
	Findings int64  `db:"findings"` // distinct CVE and package pairs
	CVEs     int64  `db:"cves"`
	Agents   int64  `db:"agents"`
}

const countsSQL = `SELECT f.severity, count(DISTINCT (f.cve, f.package)) AS findings, count(DISTINCT f.cve) AS cves,
  count(DISTINCT f.agent_id) AS agents
FROM vuln_findings f
WHERE f.tenant_id = $1 AND ($2::uuid IS NULL OR f.agent_id = $2)
  AND EXISTS (SELECT 1 FROM agents a WHERE a.id = f.agent_id AND a.deleted_at IS NULL)
  AND NOT ($4 AND vuln_hidden(f.tenant_id, f.agent_id, f.cve, f.package, $3))
GROUP BY f.severity ORDER BY max(f.severity_rank) DESC`

// SeverityCounts answers the tenant's (or one agent's) findings counted
// by severity.
func (s *Service) SeverityCounts(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID) ([]Counts, error) {
	now := s.cfg.Now()
	excepted, err := s.hasExceptions(ctx, tenantID, now)
	if err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, countsSQL, tenantID, agentID, now, excepted)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Counts])
	if err != nil {
		return nil, fmt.Errorf("count vulnerability findings: %w", err)
	}
	return out, nil
}

// Advisory is one record about a CVE.
type Advisory struct {
	ID         string     `db:"id"`
	Summary    string     `db:"summary"`
	Severity   string     `db:"severity"`
	CVSSScore  *float32   `db:"cvss_score"`
	CVSSVector string     `db:"cvss_vector"`
	Aliases    []string   `db:"aliases"`
	Published  *time.Time `db:"published"`
	Modified   time.Time  `db:"modified"`
}

// AffectedHost is one agent's vulnerable package for a CVE.
type AffectedHost struct {
	AgentID   uuid.UUID `db:"agent_id"`
	Hostname  string    `db:"hostname"`
	Package   string    `db:"package"`
	Arch      string    `db:"arch"`
	Installed string    `db:"installed_version"`
	Fixed     string    `db:"fixed_version"`
	FirstSeen time.Time `db:"first_seen"`
	Hidden    bool      `db:"hidden"` // an exception hides it now
}

// CVEDetail is one CVE across the tenant's fleet.
type CVEDetail struct {
	CVE        string
	Advisories []Advisory
	Hosts      []AffectedHost
}

const advisoriesSQL = `SELECT id, summary, severity, cvss_score, cvss_vector, aliases, published, modified
FROM vuln_records WHERE cve = $1 OR id = $1 ORDER BY id`

const affectedHostsSQL = `SELECT f.agent_id, a.hostname, f.package, f.arch, f.installed_version, f.fixed_version, f.first_seen,
  vuln_hidden(f.tenant_id, f.agent_id, f.cve, f.package, $3) AS hidden
FROM vuln_findings f JOIN agents a ON a.id = f.agent_id AND a.deleted_at IS NULL
WHERE f.tenant_id = $1 AND f.cve = $2
ORDER BY a.hostname, f.package LIMIT $4`

// maxDetailHosts bounds the hosts one CVE's detail lists.
const maxDetailHosts = 1000

// CVE answers what the data says about a CVE (or a record id) and which
// of the tenant's agents have it, hidden ones flagged.
func (s *Service) CVE(ctx context.Context, tenantID uuid.UUID, id string) (CVEDetail, error) {
	out := CVEDetail{CVE: id}
	rows, _ := s.pool.Query(ctx, advisoriesSQL, id)
	var err error
	if out.Advisories, err = pgx.CollectRows(rows, pgx.RowToStructByName[Advisory]); err != nil {
		return out, fmt.Errorf("read advisories of %s: %w", id, err)
	}
	if len(out.Advisories) == 0 {
		return out, fmt.Errorf("cve %s: %w", id, ErrNotFound)
	}
	cve := id
	if !strings.HasPrefix(id, "CVE-") {
		if err := s.pool.QueryRow(ctx, `SELECT cve FROM vuln_records WHERE id = $1`, id).Scan(&cve); err != nil && err != pgx.ErrNoRows {
			return out, fmt.Errorf("read cve of %s: %w", id, err)
		}
	}
	out.CVE = cve
	rows, _ = s.pool.Query(ctx, affectedHostsSQL, tenantID, cve, s.cfg.Now(), maxDetailHosts)
	if out.Hosts, err = pgx.CollectRows(rows, pgx.RowToStructByName[AffectedHost]); err != nil {
		return out, fmt.Errorf("read hosts affected by %s: %w", id, err)
	}
	return out, nil
}
