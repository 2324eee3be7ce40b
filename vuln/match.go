package vuln

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/monsys/monsys/store"
)

// indexSQL reads every live record with its affected packages. The
// generation is read in the same snapshot, so the index is the data of
// exactly one generation.
const indexSQL = `SELECT r.id, r.cve, r.severity, r.cvss_score, a.ecosystem, a.package, a.events, a.versions
FROM vuln_records r JOIN vuln_affected a ON a.record_id = r.id
WHERE NOT r.withdrawn ORDER BY r.id`

// currentIndex answers the index of the stored generation, building it
// when the data changed since the last call.
func (s *Service) currentIndex(ctx context.Context) (*Index, error) {
	var gen int64
	if err := s.pool.QueryRow(ctx, generationSQL).Scan(&gen); err != nil {
		return nil, fmt.Errorf("read vulnerability data generation: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index != nil && s.index.Generation == gen {
		return s.index, nil
	}
	var recs []Record
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, generationSQL).Scan(&gen); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, indexSQL)
		var id, cve, sev, eco, pkg string
		var score *float32
		var events []byte
		var versions []string
		_, err := pgx.ForEachRow(rows, []any{&id, &cve, &sev, &score, &eco, &pkg, &events, &versions}, func() error {
			if len(recs) == 0 || recs[len(recs)-1].ID != id {
				r := Record{ID: id, CVE: cve, Severity: sev}
				if score != nil {
					f := roundScore(*score)
					r.CVSSScore = &f
				}
				recs = append(recs, r)
			}
			a := Affected{Ecosystem: eco, Package: pkg, Versions: versions}
			if err := json.Unmarshal(events, &a.Ranges); err != nil {
				return fmt.Errorf("ranges of %s: %w", id, err)
			}
			r := &recs[len(recs)-1]
			r.Affected = append(r.Affected, a)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load vulnerability data: %w", err)
	}
	s.index = NewIndex(gen, recs)
	s.log.Info("vulnerability index built", "generation", gen, "records", s.index.Records())
	return s.index, nil
}

// roundScore undoes real's float32 rounding of a one-decimal score.
func roundScore(f float32) float64 {
	return float64(int64(float64(f)*10+0.5)) / 10
}

// dueSQL finds agents whose packages, host facts or data generation
// changed since they were last matched.
const dueSQL = `SELECT a.id, a.tenant_id, pk.snapshot_id, h.snapshot_id
FROM inventory_latest pk
JOIN agents a ON a.id = pk.agent_id AND a.deleted_at IS NULL
LEFT JOIN inventory_latest h ON h.agent_id = pk.agent_id AND h.kind = 'host'
LEFT JOIN vuln_agent_matches m ON m.agent_id = pk.agent_id
WHERE pk.kind = 'packages'
  AND (m.agent_id IS NULL OR m.generation <> $1 OR m.packages_snapshot_id IS DISTINCT FROM pk.snapshot_id
       OR m.host_snapshot_id IS DISTINCT FROM h.snapshot_id)
ORDER BY a.id LIMIT $2`

type dueAgent struct {
	agentID, tenantID uuid.UUID
	packagesSnapshot  int64
	hostSnapshot      *int64
}

// matchBatch is how many due agents one query finds; matchWorkers match
// them at once (each holds one connection while it reads and writes).
const (
	matchBatch   = 200
	matchWorkers = 4
)

// RematchDue matches every agent whose packages or host changed, or all
// of them after new data, and answers how many it matched. Only what
// changed is matched again: an unchanged agent costs nothing.
func (s *Service) RematchDue(ctx context.Context) (int, error) {
	ix, err := s.currentIndex(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		rows, _ := s.pool.Query(ctx, dueSQL, ix.Generation, matchBatch)
		var d dueAgent
		var due []dueAgent
		if _, err := pgx.ForEachRow(rows, []any{&d.agentID, &d.tenantID, &d.packagesSnapshot, &d.hostSnapshot}, func() error {
			due = append(due, d)
			return nil
		}); err != nil {
			return n, fmt.Errorf("find agents to match: %w", err)
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(matchWorkers)
		for _, a := range due {
			g.Go(func() error { return s.matchAgent(gctx, ix, a) })
		}
		if err := g.Wait(); err != nil {
			return n, err
		}
		n += len(due)
		if len(due) < matchBatch {
			return n, nil
		}
	}
}

// Run is the matching job: RematchDue, logging what it did.
func (s *Service) Run(ctx context.Context) error {
	n, err := s.RematchDue(ctx)
	if n > 0 {
		s.log.Info("agents matched against vulnerability data", "agents", n)
	}
	return err
}

const agentPackagesSQL = `SELECT COALESCE(item->>'name', ''), COALESCE(item->>'version', ''), COALESCE(item->>'arch', ''),
  COALESCE(item->>'source', '')
FROM inventory_items WHERE agent_id = $1 AND kind = 'packages' AND snapshot_id = $2`

const hostPlatformSQL = `SELECT COALESCE(items->>'platform', ''), COALESCE(items->>'platform_version', '')
FROM inventory_snapshots WHERE id = $1`

// agentTarget reads the host's distribution release: no host inventory,
// or a platform without rules, matches nothing.
func (s *Service) agentTarget(ctx context.Context, hostSnapshot *int64) (Target, bool, error) {
	if hostSnapshot == nil {
		return Target{}, false, nil
	}
	var platform, version string
	err := s.pool.QueryRow(ctx, hostPlatformSQL, *hostSnapshot).Scan(&platform, &version)
	if err == pgx.ErrNoRows {
		return Target{}, false, nil
	}
	if err != nil {
		return Target{}, false, fmt.Errorf("read host platform: %w", err)
	}
	t, ok := TargetOf(platform, version)
	return t, ok, nil
}

func (s *Service) agentPackages(ctx context.Context, a dueAgent) ([]Package, error) {
	rows, _ := s.pool.Query(ctx, agentPackagesSQL, a.agentID, a.packagesSnapshot)
	var p Package
	var out []Package
	_, err := pgx.ForEachRow(rows, []any{&p.Name, &p.Version, &p.Arch, &p.Source}, func() error {
		if p.Name != "" && p.Version != "" {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read packages of agent %s: %w", a.agentID, err)
	}
	return out, nil
}

// MatchAgent matches one agent now, whatever it was matched against
// before (tests and the benchmark call it; the job calls RematchDue).
func (s *Service) MatchAgent(ctx context.Context, agentID uuid.UUID) error {
	ix, err := s.currentIndex(ctx)
	if err != nil {
		return err
	}
	var d dueAgent
	err = s.pool.QueryRow(ctx, `SELECT a.id, a.tenant_id, pk.snapshot_id, h.snapshot_id
FROM inventory_latest pk JOIN agents a ON a.id = pk.agent_id
LEFT JOIN inventory_latest h ON h.agent_id = pk.agent_id AND h.kind = 'host'
WHERE pk.agent_id = $1 AND pk.kind = 'packages'`, agentID).Scan(&d.agentID, &d.tenantID, &d.packagesSnapshot, &d.hostSnapshot)
	if err == pgx.ErrNoRows {
		return fmt.Errorf("agent %s has no packages inventory: %w", agentID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("look up agent %s: %w", agentID, err)
	}
	return s.matchAgent(ctx, ix, d)
}

func (s *Service) matchAgent(ctx context.Context, ix *Index, a dueAgent) error {
	var findings []Finding
	target, ok, err := s.agentTarget(ctx, a.hostSnapshot)
	if err != nil {
		return err
	}
	if ok {
		pkgs, err := s.agentPackages(ctx, a)
		if err != nil {
			return err
		}
		findings = ix.Match(target, pkgs)
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return s.writeFindings(ctx, tx, ix.Generation, a, target.Name(), findings)
	})
}

// The agent's stored findings are compared with the new ones in Go: only
// new and changed rows are written and gone ones deleted, so rematching an
// agent whose findings barely moved writes almost nothing.
const storedFindingsSQL = `SELECT cve, package, arch, record_id, source_package, installed_version, fixed_version, severity, cvss_score
FROM vuln_findings WHERE agent_id = $1`

const upsertFindingsSQL = `INSERT INTO vuln_findings AS f (tenant_id, agent_id, cve, package, arch, record_id, source_package,
  installed_version, fixed_version, severity, severity_rank, cvss_score, first_seen)
SELECT $2, $1, n.* , $13 FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
  $10::text[], $11::smallint[], $12::real[]) AS n
ON CONFLICT (agent_id, cve, package, arch) DO UPDATE SET record_id = EXCLUDED.record_id,
  source_package = EXCLUDED.source_package, installed_version = EXCLUDED.installed_version,
  fixed_version = EXCLUDED.fixed_version, severity = EXCLUDED.severity, severity_rank = EXCLUDED.severity_rank,
  cvss_score = EXCLUDED.cvss_score`

const deleteFindingsSQL = `DELETE FROM vuln_findings f USING unnest($2::text[], $3::text[], $4::text[]) AS g(cve, package, arch)
WHERE f.agent_id = $1 AND f.cve = g.cve AND f.package = g.package AND f.arch = g.arch`

const recordMatchSQL = `INSERT INTO vuln_agent_matches (agent_id, tenant_id, packages_snapshot_id, host_snapshot_id, generation, ecosystem, matched_at)
VALUES ($1, $2, $3, $4, $5, $6, now())
ON CONFLICT (agent_id) DO UPDATE SET packages_snapshot_id = EXCLUDED.packages_snapshot_id,
  host_snapshot_id = EXCLUDED.host_snapshot_id, generation = EXCLUDED.generation, ecosystem = EXCLUDED.ecosystem,
  matched_at = EXCLUDED.matched_at`

func findingKey(cve, pkg, arch string) string { return cve + "\x00" + pkg + "\x00" + arch }

// sameFinding says whether a stored row already says what f says.
func sameFinding(stored, f Finding) bool {
	if stored.RecordID != f.RecordID || stored.Source != f.Source || stored.Installed != f.Installed ||
		stored.Fixed != f.Fixed || stored.Severity != f.Severity || (stored.Score == nil) != (f.Score == nil) {
		return false
	}
	return stored.Score == nil || *stored.Score == *f.Score
}

func (s *Service) writeFindings(ctx context.Context, tx pgx.Tx, gen int64, a dueAgent, ecosystem string, fs []Finding) error {
	stored := map[string]Finding{}
	rows, _ := tx.Query(ctx, storedFindingsSQL, a.agentID)
	var f Finding
	var score *float32
	if _, err := pgx.ForEachRow(rows, []any{&f.CVE, &f.Package, &f.Arch, &f.RecordID, &f.Source, &f.Installed, &f.Fixed, &f.Severity, &score}, func() error {
		f.Score = nil
		if score != nil {
			v := roundScore(*score)
			f.Score = &v
		}
		stored[findingKey(f.CVE, f.Package, f.Arch)] = f
		return nil
	}); err != nil {
		return fmt.Errorf("read findings of agent %s: %w", a.agentID, err)
	}
	var put, opened []Finding
	current := make(map[string]bool, len(fs))
	for _, f := range fs {
		k := findingKey(f.CVE, f.Package, f.Arch)
		if current[k] {
			continue // the same package and arch installed twice (rpm kernels): the first match stands
		}
		current[k] = true
		old, ok := stored[k]
		if !ok {
			opened = append(opened, f)
		}
		if !ok || !sameFinding(old, f) {
			put = append(put, f)
		}
	}
	var goneCVEs, gonePkgs, goneArchs []string
	gone := map[string]bool{}
	for k, old := range stored {
		if !current[k] {
			goneCVEs, gonePkgs, goneArchs = append(goneCVEs, old.CVE), append(gonePkgs, old.Package), append(goneArchs, old.Arch)
			gone[old.CVE] = true
		}
	}
	if len(put) > 0 {
		n := len(put)
		cves, pkgs, archs, recs, srcs, inst, fixed, sevs := make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		ranks, scores := make([]int16, n), make([]*float64, n)
		for i, f := range put {
			cves[i], pkgs[i], archs[i], recs[i], srcs[i], inst[i], fixed[i], sevs[i] = f.CVE, f.Package, f.Arch, f.RecordID, f.Source,
				f.Installed, f.Fixed, f.Severity
			ranks[i], scores[i] = int16(SeverityRank(f.Severity)), f.Score
		}
		if _, err := tx.Exec(ctx, upsertFindingsSQL, a.agentID, a.tenantID, cves, pkgs, archs, recs, srcs, inst, fixed, sevs, ranks, scores,
			s.cfg.Now()); err != nil {
			return fmt.Errorf("write findings of agent %s: %w", a.agentID, err)
		}
	}
	if len(goneCVEs) > 0 {
		if _, err := tx.Exec(ctx, deleteFindingsSQL, a.agentID, goneCVEs, gonePkgs, goneArchs); err != nil {
			return fmt.Errorf("delete findings of agent %s: %w", a.agentID, err)
		}
	}
	if _, err := tx.Exec(ctx, recordMatchSQL, a.agentID, a.tenantID, a.packagesSnapshot, a.hostSnapshot, gen, ecosystem); err != nil {
		return fmt.Errorf("record match of agent %s: %w", a.agentID, err)
	}
	return s.moveAlerts(ctx, tx, a, fs, opened, gone)
}

// visibleSQL keeps the findings no exception hides now.
const visibleSQL = `SELECT k.cve, k.package FROM unnest($3::text[], $4::text[]) AS k(cve, package)
WHERE NOT vuln_hidden($1, $2, k.cve, k.package, $5)`

// moveAlerts raises one alert per CVE newly found on the agent at or
// above the alert severity (unless an exception hides it), and resolves
// the alert of a CVE no package of the agent has any more.
func (s *Service) moveAlerts(ctx context.Context, tx pgx.Tx, a dueAgent, all, opened []Finding, gone map[string]bool) error {
	rank := s.alertRank()
	var cves, pkgs []string
	for _, f := range opened {
		if SeverityRank(f.Severity) >= rank {
			cves, pkgs = append(cves, f.CVE), append(pkgs, f.Package)
		}
	}
	if len(cves) > 0 {
		rows, _ := tx.Query(ctx, visibleSQL, a.tenantID, a.agentID, cves, pkgs, s.cfg.Now())
		visible := map[string]bool{}
		var cve, pkg string
		if _, err := pgx.ForEachRow(rows, []any{&cve, &pkg}, func() error { visible[cve+"\x00"+pkg] = true; return nil }); err != nil {
			return fmt.Errorf("check exceptions: %w", err)
		}
		raised := map[string]bool{}
		for _, f := range opened {
			if !visible[f.CVE+"\x00"+f.Package] || raised[f.CVE] {
				continue
			}
			raised[f.CVE] = true
			if _, err := s.alerts.RaiseAlert(ctx, tx, store.KeyedAlert{TenantID: a.tenantID, AgentID: a.agentID,
				Source: store.SourceCVE, Key: alertKey(f.CVE), Severity: alertSeverity(f.Severity), Summary: alertSummary(f)}); err != nil {
				return err
			}
		}
	}
	if len(gone) == 0 {
		return nil
	}
	still := map[string]bool{}
	for _, f := range all {
		still[f.CVE] = true
	}
	var resolve []string
	for cve := range gone {
		if !still[cve] {
			resolve = append(resolve, cve)
		}
	}
	sort.Strings(resolve)
	for _, cve := range resolve {
		if _, err := s.alerts.ResolveAlertKey(ctx, tx, a.tenantID, a.agentID, alertKey(cve),
			"no installed package is affected any more"); err != nil {
			return err
		}
	}
	return nil
}

func alertKey(cve string) string { return "cve:" + cve }

// alertSeverity maps a finding's level to an alert's.
func alertSeverity(sev string) string {
	switch sev {
	case SeverityCritical:
		return "critical"
	case SeverityHigh:
		return "warning"
	}
	return "info"
}

func alertSummary(f Finding) string {
	var b strings.Builder
	b.WriteString(f.CVE + " (" + f.Severity)
	if f.Score != nil {
		fmt.Fprintf(&b, ", CVSS %.1f", *f.Score)
	}
	b.WriteString(") in " + f.Package + " " + f.Installed)
	if f.Fixed != "" {
		b.WriteString("; fixed in " + f.Fixed)
	} else {
		b.WriteString("; no fix yet")
	}
	return b.String()
}
