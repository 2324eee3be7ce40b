package pgtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/internal/pglocal"
	"github.com/monsys/monsys/migrations"
	"github.com/monsys/monsys/tsdb"
)

// EnvURL names the variable that points the suite at an existing server.
const EnvURL = "MONSYS_TEST_DATABASE_URL"

// Harness is one test binary's database server and migrated template.
type Harness struct {
	admin    string // conn string of a maintenance database on the server
	template string // name of the migrated template database
	prefix   string // names of this run's databases start with it
	cluster  *pglocal.Cluster
	dir      string
	dialect  tsdb.Dialect
	seq      atomic.Int64
}

// Start prepares the server and the template. Call Stop when the tests
// are done.
func Start(ctx context.Context) (*Harness, error) {
	h := &Harness{prefix: "monsys_t_" + strings.ToLower(rand.Text()[:8])}
	h.template = h.prefix + "_tpl"
	if url := os.Getenv(EnvURL); url != "" {
		h.admin = url
	} else {
		dir, err := os.MkdirTemp("", "monsys-pgtest-")
		if err != nil {
			return nil, fmt.Errorf("make cluster dir: %w", err)
		}
		h.dir = dir
		cl, err := pglocal.Open(ctx, pglocal.Options{Dir: dir, Fast: true,
			Settings: map[string]string{"max_connections": "400", "shared_buffers": "128MB"}})
		if err != nil {
			_ = os.RemoveAll(dir) // nothing of value in it yet
			return nil, fmt.Errorf("start test postgresql: %w", err)
		}
		h.cluster = cl
		h.admin = cl.ConnString("postgres")
	}
	if err := h.createTemplate(ctx); err != nil {
		return nil, errors.Join(err, h.Stop(ctx))
	}
	return h, nil
}

// Dialect is the dialect the template was migrated for.
func (h *Harness) Dialect() tsdb.Dialect { return h.dialect }

func (h *Harness) createTemplate(ctx context.Context) error {
	if err := h.exec(ctx, "CREATE DATABASE "+pgx.Identifier{h.template}.Sanitize()); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	conn, err := pgx.Connect(ctx, h.connString(h.template))
	if err != nil {
		return fmt.Errorf("connect to template: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if h.dialect, err = tsdb.Detect(ctx, conn, "auto"); err != nil {
		return err
	}
	if err := migrations.Up(ctx, conn, migrations.Options{TimescaleDB: h.dialect == tsdb.TimescaleDB}); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	if err := conn.Close(ctx); err != nil {
		return fmt.Errorf("close template connection: %w", err)
	}
	return h.sealTemplate(ctx)
}

// sealTemplate closes the template to connections so copying it cannot
// race a session on it: on TimescaleDB the extension's background
// scheduler connects to every database that has it, and CREATE DATABASE …
// TEMPLATE fails while anyone is connected.
func (h *Harness) sealTemplate(ctx context.Context) error {
	tpl := pgx.Identifier{h.template}.Sanitize()
	if err := h.exec(ctx, "ALTER DATABASE "+tpl+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("seal template: %w", err)
	}
	conn, err := pgx.Connect(ctx, h.admin)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for {
		var left int
		err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1`, h.template).Scan(&left)
		if err != nil {
			return fmt.Errorf("end sessions on template: %w", err)
		}
		if left == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop drops this run's databases and stops the private cluster.
func (h *Harness) Stop(ctx context.Context) error {
	var errs []error
	if h.cluster == nil {
		errs = append(errs, h.dropDatabase(ctx, h.template))
	} else {
		errs = append(errs, h.cluster.Close(ctx), os.RemoveAll(h.dir))
	}
	return errors.Join(errs...)
}

// Main runs a test binary's tests around a harness: the usual body of
// TestMain is `os.Exit(pgtest.Main(m, &db))`.
func Main(m *testing.M, h **Harness) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	harness, err := Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	*h = harness
	code := m.Run()
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := harness.Stop(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: stop:", err)
	}
	return code
}

// NewDatabase copies the template into a database of the test's own and
// returns its connection string; the database is dropped when t ends.
func (h *Harness) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", h.prefix, h.seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{h.template}.Sanitize()
	if err := h.execRetry(ctx, stmt); err != nil {
		t.Fatalf("pgtest: copy template: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := h.dropDatabase(ctx, name); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return h.connString(name)
}

// New returns a pool on a fresh database of the test's own, closed when t
// ends.
func (h *Harness) New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), h.NewDatabase(t))
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	t.Cleanup(pool.Close) // registered after the drop, so it runs first
	return pool
}

// connString points the admin connection string at another database. A
// URL gets a new path; a keyword/value string gets a dbname, which wins
// over an earlier one.
func (h *Harness) connString(database string) string {
	if u, err := url.Parse(h.admin); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + database
		return u.String()
	}
	return h.admin + " dbname=" + database
}

func (h *Harness) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, h.admin)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// execRetry retries while another session still uses the template, which
// happens briefly on TimescaleDB (its background workers connect to every
// database with the extension).
func (h *Harness) execRetry(ctx context.Context, sql string) error {
	for {
		err := h.exec(ctx, sql)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" { // object_in_use
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (h *Harness) dropDatabase(ctx context.Context, name string) error {
	return h.exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}
