package migrations

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// tableOwners is the one package that writes each table the migrations
// create. Another package that needs a table changed calls its owner,
// inside the caller's transaction where the change must commit with the
// caller's own (ingest's flush calls tsdb and store).
var tableOwners = map[string]string{
	"monsys_meta": "migrations",

	"console_sessions": "console", "console_chunks": "console", "emergency_grants": "console", "hub_keys": "console",

	"samples": "tsdb", "samples_1m": "tsdb", "samples_1h": "tsdb", "samples_1h_open": "tsdb",
	"series": "tsdb", "rollup_watermarks": "tsdb", "ingest_batches": "tsdb",
	"rollup_invalidations": "tsdb", "rollup_late_boundary": "tsdb",

	"audit_log": "audit", "audit_heads": "audit",
	"rate_counters": "ratelimit",

	"tenants": "store", "users": "store", "memberships": "store", "sessions": "store", "login_challenges": "store",
	"recovery_codes": "store", "password_resets": "store", "invitations": "store", "outbox": "store",
	"api_keys": "store", "enrollment_tokens": "store", "agents": "store", "integrity_anomalies": "store",
	"agent_processes": "store", "inventory_snapshots": "store", "inventory_latest": "store", "inventory_items": "store",
	"alerts": "store", "alert_events": "store", "alert_rules": "store", "alert_rule_states": "store",
	"webhooks": "store", "webhook_deliveries": "store", "hub_liveness": "store", "agent_integrity": "store", "security_events": "store", "retired_signing_keys": "store",
	"topology_zones": "store", "topology_nodes": "store", "topology_edges": "store", "topology_detected": "store",
	"topology_snapshots": "store", "diagrams": "store",

	"notification_channels": "notify", "notification_outbox": "notify", "notification_deliveries": "notify",

	"vuln_records": "vuln", "vuln_affected": "vuln", "vuln_data": "vuln", "vuln_agent_matches": "vuln",
	"vuln_findings": "vuln", "vuln_exceptions": "vuln",
}

// tableFiles narrows an owner to one file for tables every source of a
// fact writes: each alert transition writes its event, and webhooks fan
// events out, so both are written by alert_transitions.go alone.
var tableFiles = map[string]string{
	"alerts":       "store/alert_transitions.go",
	"alert_events": "store/alert_transitions.go",
}

// notOwners may write tables they do not own, and why.
var notOwners = map[string]string{
	"bench/load":       "loads a synthetic fleet straight into storage for the query benchmarks, as test fixtures do",
	"cmd/monsys-bench": "times raw COPY into a table of its own (the ingest ceiling)",
}

// sqlWrite finds a statement that changes a table, in SQL as monsys
// writes it (keywords in capitals, so Go error messages do not match).
var sqlWrite = regexp.MustCompile(`\b(INSERT INTO|UPDATE|DELETE FROM|TRUNCATE(?: TABLE)?|COPY|MERGE INTO)\s+(?:ONLY\s+)?([a-z_][a-z0-9_]*)`)

// notTables follow UPDATE without naming a table (DO UPDATE SET, FOR
// UPDATE SKIP LOCKED).
var notTables = map[string]bool{"set": true, "skip": true, "of": true, "nowait": true}

var createTable = regexp.MustCompile(`(?i)CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)`)

// TestEveryTableHasOneWriter scans the SQL in every non-test Go file of
// the module (string literals, and the table of each CopyFrom) and fails
// when a package other than a table's owner writes to it, when a table is
// written that has no owner, or when an owner names a table the
// migrations do not create.
func TestEveryTableHasOneWriter(t *testing.T) {
	created := map[string]bool{}
	files, err := filepath.Glob(filepath.Join("sql", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
			created[m[1]] = true
		}
	}
	for table := range tableOwners {
		if !created[table] {
			t.Errorf("tableOwners names %s, which no migration creates", table)
		}
	}
	for table := range created {
		if tableOwners[table] == "" {
			t.Errorf("migrations create %s, which has no owner in tableOwners: say which package writes it", table)
		}
	}

	writes := scanWrites(t, "..")
	if len(writes) < 20 {
		t.Fatalf("found only %d writes in the module's SQL: the scan is broken", len(writes))
	}
	for _, w := range writes {
		if _, ok := notOwners[w.pkg]; ok {
			continue
		}
		switch owner := tableOwners[w.table]; {
		case owner == "":
			t.Errorf("%s: %s %s, a table without an owner", w.pos, w.verb, w.table)
		case owner != w.pkg:
			t.Errorf("%s: %s %s, which %s owns: call %s instead", w.pos, w.verb, w.table, owner, owner)
		case tableFiles[w.table] != "" && w.file != tableFiles[w.table]:
			t.Errorf("%s: %s %s, which only %s writes", w.pos, w.verb, w.table, tableFiles[w.table])
		}
	}
}

type sqlWriteSite struct {
	pkg, file, table, verb, pos string
}

// scanWrites lists every table written by the SQL of the non-test Go
// files under root, with the package directory (relative to root) that
// writes it.
func scanWrites(t *testing.T, root string) []sqlWriteSite {
	t.Helper()
	var out []sqlWriteSite
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		add := func(pos token.Pos, verb, table string) {
			out = append(out, sqlWriteSite{pkg: pkg, file: pkg + "/" + filepath.Base(path), table: table, verb: verb,
				pos: fset.Position(pos).String()})
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(n.Value)
				if err != nil {
					return true
				}
				for _, m := range sqlWrite.FindAllStringSubmatch(s, -1) {
					if !notTables[m[2]] {
						add(n.Pos(), m[1], m[2])
					}
				}
			case *ast.CallExpr:
				// pgx's CopyFrom(ctx, pgx.Identifier{"table"}, …) names its table outside SQL.
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "CopyFrom" || len(n.Args) < 2 {
					return true
				}
				if lit, ok := n.Args[1].(*ast.CompositeLit); ok && len(lit.Elts) > 0 {
					if s, ok := lit.Elts[len(lit.Elts)-1].(*ast.BasicLit); ok {
						table, _ := strconv.Unquote(s.Value)
						add(n.Pos(), "COPY", table)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pos < out[j].pos })
	return out
}
