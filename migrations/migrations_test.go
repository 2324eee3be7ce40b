package migrations_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/internal/pgtest"
	"github.com/monsys/monsys/migrations"
	"github.com/monsys/monsys/tsdb"
)

var db *pgtest.Harness

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &db)) }

// emptyDatabase creates a database with nothing of monsys in it (the
// harness's own databases are copies of a migrated template) and returns
// the configuration to connect to it. It is dropped when t ends.
func emptyDatabase(t *testing.T) *pgx.ConnConfig {
	t.Helper()
	ctx := context.Background()
	// Any database of the harness's server will do to issue CREATE DATABASE.
	cfg, err := pgx.ParseConfig(db.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")) + "_" + cfg.Database
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.ConnectConfig(context.Background(), admin.Config().Copy())
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	empty := cfg.Copy()
	empty.Database = name
	return empty
}

func connect(t *testing.T, cfg *pgx.ConnConfig) *pgx.Conn {
	t.Helper()
	conn, err := pgx.ConnectConfig(context.Background(), cfg.Copy())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func status(t *testing.T, conn *pgx.Conn, opts migrations.Options) migrations.Status {
	t.Helper()
	st, err := migrations.CurrentStatus(context.Background(), conn, opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestUpOnEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, emptyDatabase(t))
	dialect, err := tsdb.Detect(ctx, conn, "auto")
	if err != nil {
		t.Fatal(err)
	}
	opts := migrations.Options{TimescaleDB: dialect == tsdb.TimescaleDB}

	before := status(t, conn, opts)
	if before.Current != 0 || before.Latest < 1 || len(before.Pending) != int(before.Latest) {
		t.Fatalf("empty database: %+v; want version 0 with every migration pending", before)
	}
	if err := migrations.Up(ctx, conn, opts); err != nil {
		t.Fatalf("Up: %v", err)
	}
	after := status(t, conn, opts)
	if after.Current != after.Latest || after.Latest != before.Latest || len(after.Pending) != 0 {
		t.Fatalf("after Up: %+v; want current = latest = %d, nothing pending", after, before.Latest)
	}

	var got string
	if err := conn.QueryRow(ctx, `SELECT value FROM monsys_meta WHERE key = 'dialect'`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != string(dialect) {
		t.Errorf("monsys_meta dialect = %q, want %q", got, dialect)
	}
	if db.Dialect() == tsdb.Postgres && got != "postgres" {
		t.Errorf("monsys_meta dialect = %q on plain PostgreSQL, want postgres", got)
	}
	for _, table := range []string{"tenants", "users", "sessions", "api_keys", "enrollment_tokens", "agents", "integrity_anomalies"} {
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, "public."+table).Scan(&exists); err != nil || !exists {
			t.Errorf("table %s missing after Up (err %v)", table, err)
		}
	}

	// A second Up changes nothing.
	metaRows := func() int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM monsys_meta`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := conn.Exec(ctx, `INSERT INTO monsys_meta (key, value) VALUES ('probe', 'kept')`); err != nil {
		t.Fatal(err)
	}
	rowsBefore := metaRows()
	if err := migrations.Up(ctx, conn, opts); err != nil {
		t.Fatalf("second Up: %v", err)
	}
	if again := status(t, conn, opts); again.Current != after.Current || len(again.Pending) != 0 {
		t.Errorf("after a second Up: %+v, want %+v", again, after)
	}
	if rows := metaRows(); rows != rowsBefore {
		t.Errorf("monsys_meta holds %d rows after a second Up, want the %d it had", rows, rowsBefore)
	}
}

// TestUpConcurrent is several hubs starting at once on one empty database:
// the advisory lock lets one migrate while the others wait and find nothing
// to do.
func TestUpConcurrent(t *testing.T) {
	ctx := context.Background()
	empty := emptyDatabase(t)
	const hubs = 4
	conns := make([]*pgx.Conn, hubs)
	for i := range conns {
		conns[i] = connect(t, empty)
	}
	opts := migrations.Options{TimescaleDB: db.Dialect() == tsdb.TimescaleDB}
	errs := make([]error, hubs)
	var wg sync.WaitGroup
	for i, conn := range conns {
		wg.Go(func() { errs[i] = migrations.Up(ctx, conn, opts) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("hub %d: Up: %v", i, err)
		}
	}
	st := status(t, conns[0], opts)
	if st.Current != st.Latest || len(st.Pending) != 0 {
		t.Errorf("after concurrent Ups: %+v", st)
	}
	var rows int
	if err := conns[0].QueryRow(ctx, `SELECT count(*) FROM public.schema_version`).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("schema_version holds %d rows (err %v), want 1", rows, err)
	}
}
