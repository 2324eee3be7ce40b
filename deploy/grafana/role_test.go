package grafana_test

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// grafanaViews are the relations monsys_grafana may read, and all of them.
var grafanaViews = []string{"grafana.agents", "grafana.alerts", "grafana.metrics", "grafana.metrics_1h", "grafana.metrics_1m"}

func permissionDenied(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}

// TestGrafanaRoleCannotReadMonsysTables: secrets, accounts, and the tables
// behind the views are out of reach; only the views read them.
func TestGrafanaRoleCannotReadMonsysTables(t *testing.T) {
	t.Parallel()
	f := newFleet(t, true)
	ctx := context.Background()
	rows, err := f.admin.Query(ctx, `SELECT format('%I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"public.users", "public.sessions", "public.api_keys", "public.agents", "public.series", "public.samples"} {
		if !slices.Contains(tables, must) {
			t.Fatalf("%s is not among the public tables %q: this test would prove nothing about it", must, tables)
		}
	}
	for _, table := range tables {
		_, err := f.grafana.Exec(ctx, `SELECT 1 FROM `+table+` LIMIT 1`)
		if !permissionDenied(err) {
			t.Errorf("monsys_grafana: SELECT from %s: %v, want permission denied", table, err)
		}
	}
}

// TestGrafanaRoleReadsOnlyTheViews asks the catalog: the role may read the
// five views, and nothing else that everyone (PUBLIC) may not read anyway,
// in any schema; and nothing of monsys is readable by everyone.
func TestGrafanaRoleReadsOnlyTheViews(t *testing.T) {
	t.Parallel()
	f := newFleet(t, true)
	ctx := context.Background()
	readable := func(sql string) []string {
		t.Helper()
		rows, err := f.admin.Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	got := readable(`SELECT format('%s.%s', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND has_any_column_privilege('monsys_grafana', c.oid, 'SELECT')
  AND NOT has_any_column_privilege('public', c.oid, 'SELECT')
ORDER BY 1`)
	if !slices.Equal(got, grafanaViews) {
		t.Errorf("monsys_grafana reads %q beyond what everyone reads, want exactly %q", got, grafanaViews)
	}
	// TimescaleDB's own catalog is readable by everyone by design; it is
	// part of its extension. Nothing else may be.
	leaks := readable(`SELECT format('%s.%s', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND has_any_column_privilege('public', c.oid, 'SELECT')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1`)
	if len(leaks) > 0 {
		t.Errorf("everyone may read %q", leaks)
	}
	var usage, create bool
	if err := f.admin.QueryRow(ctx, `SELECT has_schema_privilege('monsys_grafana', 'grafana', 'USAGE'),
  has_schema_privilege('monsys_grafana', 'grafana', 'CREATE')`).Scan(&usage, &create); err != nil {
		t.Fatal(err)
	}
	if !usage || create {
		t.Errorf("on schema grafana monsys_grafana has USAGE %v and CREATE %v, want USAGE only", usage, create)
	}
}

// TestGrafanaRoleCannotWrite: no privilege but SELECT on the views, no
// CREATE anywhere, no role attributes.
func TestGrafanaRoleCannotWrite(t *testing.T) {
	t.Parallel()
	f := newFleet(t, false)
	ctx := context.Background()
	for _, view := range grafanaViews {
		var write bool
		if err := f.admin.QueryRow(ctx, `SELECT has_table_privilege('monsys_grafana', $1, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')`,
			view).Scan(&write); err != nil || write {
			t.Errorf("monsys_grafana may write %s (%v), want SELECT only", view, err)
		}
	}
	for _, sql := range []string{
		`CREATE TABLE grafana.mine (x int)`,
		`CREATE VIEW grafana.mine AS SELECT 1 AS x`,
		`CREATE TABLE public.mine (x int)`,
		`CREATE SCHEMA mine`,
	} {
		if _, err := f.grafana.Exec(ctx, sql); !permissionDenied(err) {
			t.Errorf("monsys_grafana: %s: %v, want permission denied", sql, err)
		}
	}
	// The views join, so PostgreSQL would refuse these anyway; they must fail.
	for _, sql := range []string{
		`UPDATE grafana.agents SET hostname = 'x'`,
		`DELETE FROM grafana.alerts`,
		`INSERT INTO grafana.metrics (time, value) VALUES (now(), 1)`,
	} {
		if _, err := f.grafana.Exec(ctx, sql); err == nil {
			t.Errorf("monsys_grafana: %s succeeded", sql)
		}
	}
	var attrs string
	err := f.admin.QueryRow(ctx, `SELECT concat_ws(',', CASE WHEN rolcanlogin THEN 'login' END, CASE WHEN rolsuper THEN 'superuser' END,
  CASE WHEN rolcreatedb THEN 'createdb' END, CASE WHEN rolcreaterole THEN 'createrole' END,
  CASE WHEN rolreplication THEN 'replication' END, CASE WHEN rolbypassrls THEN 'bypassrls' END,
  (SELECT string_agg(g.rolname, ',') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid))
FROM pg_roles r WHERE rolname = 'monsys_grafana'`).Scan(&attrs)
	if err != nil {
		t.Fatalf("role monsys_grafana: %v", err)
	}
	if attrs != "" {
		t.Errorf("monsys_grafana has %s, want no attributes and no memberships", attrs)
	}
}

// TestGrafanaLoginRole follows the README: a login role in monsys_grafana
// reads the views with its password and is refused the rest.
func TestGrafanaLoginRole(t *testing.T) {
	t.Parallel()
	f := newFleet(t, false)
	ctx := context.Background()
	name := "monsys_t_grafana_" + strings.ToLower(rand.Text()[:8])
	password := rand.Text()
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := f.admin.Exec(ctx, `CREATE ROLE `+ident+` LOGIN PASSWORD '`+password+`' IN ROLE monsys_grafana`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := f.admin.Exec(context.Background(), `DROP ROLE `+ident); err != nil {
			t.Errorf("drop role %s: %v", name, err)
		}
	})
	cfg, err := pgxpool.ParseConfig(f.admin.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.User, cfg.ConnConfig.Password = name, password
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var agents int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM grafana.agents`).Scan(&agents); err != nil || agents != 3 {
		t.Errorf("%s: %d agents in grafana.agents (err %v), want 3", name, agents, err)
	}
	if _, err := pool.Exec(ctx, `SELECT 1 FROM public.users`); !permissionDenied(err) {
		t.Errorf("%s: SELECT from public.users: %v, want permission denied", name, err)
	}
}
