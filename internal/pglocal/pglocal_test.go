package pglocal

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// clusterDir returns a fresh folder to use as Options.Dir itself: as root,
// os.MkdirTemp's 0700 folder can be handed to the postgres user, while a
// folder inside it could not be reached. It is removed after the test, after
// the servers are stopped.
func clusterDir(t *testing.T, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) }) // best effort; a leftover temp dir is harmless
	return dir
}

// openCluster opens a cluster and makes sure that, at the end of the test,
// it is stopped and no postgres process for its data folder remains.
func openCluster(t *testing.T, opts Options) *Cluster {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	c, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
		assertNoServer(t, filepath.Join(opts.Dir, "data"))
	})
	return c
}

// assertNoServer fails when a process mentions dataDir on its command line,
// as the postmaster (postgres -D dataDir) does.
func assertNoServer(t *testing.T, dataDir string) {
	t.Helper()
	if _, err := exec.LookPath("pgrep"); err != nil {
		t.Log("pgrep not installed, cannot check for leftover processes")
		return
	}
	out, err := exec.Command("pgrep", "-a", "-f", regexp.QuoteMeta(dataDir)).Output()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() == 1 {
		return // no match
	}
	t.Errorf("postgres still running on %s: %s (pgrep: %v)", dataDir, out, err)
}

func connect(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), c.ConnString("postgres"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) }) // the server may be gone already
	return conn
}

func queryString(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(context.Background(), sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := clusterDir(t, "pglocal-")
	opts := Options{Dir: dir, Fast: true}

	began := time.Now()
	first := openCluster(t, opts)
	t.Logf("Open on a fresh dir took %v", time.Since(began))
	if !first.Initialized() || first.Reused() {
		t.Fatalf("fresh Open: Initialized=%v Reused=%v, want true false", first.Initialized(), first.Reused())
	}
	conn := connect(t, first)
	if got := queryString(t, conn, "SELECT 1::text"); got != "1" {
		t.Fatalf("SELECT 1 = %q", got)
	}
	for _, sql := range []string{"CREATE TABLE kept (v text)", "INSERT INTO kept (v) VALUES ('row')"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}

	// Our process "crashed": the server is still up and a new Open reuses it.
	began = time.Now()
	second := openCluster(t, opts)
	t.Logf("Open reusing a running server took %v", time.Since(began))
	if second.Initialized() || !second.Reused() {
		t.Fatalf("Open on running server: Initialized=%v Reused=%v, want false true", second.Initialized(), second.Reused())
	}
	if got := queryString(t, connect(t, second), "SELECT v FROM kept"); got != "row" {
		t.Fatalf("row after reuse = %q", got)
	}

	if err := second.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := ping(ctx, second.l.socket); err == nil {
		t.Error("socket still answers after Close")
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("postmaster.pid after Close: %v", err)
	}
	assertNoServer(t, filepath.Join(dir, "data"))
	if err := second.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := first.Close(ctx); err != nil {
		t.Errorf("Close of the other Cluster after the server stopped: %v", err)
	}

	began = time.Now()
	third := openCluster(t, opts)
	t.Logf("Open restarting a stopped server took %v", time.Since(began))
	if third.Initialized() || third.Reused() {
		t.Fatalf("Open after Close: Initialized=%v Reused=%v, want false false", third.Initialized(), third.Reused())
	}
	if got := queryString(t, connect(t, third), "SELECT v FROM kept"); got != "row" {
		t.Fatalf("row after restart = %q", got)
	}
}

func TestOpenAfterServerKilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := clusterDir(t, "pglocal-")
	c := openCluster(t, Options{Dir: dir, Fast: true})
	conn := connect(t, c)
	// CHECKPOINT puts the row in the data files, so Fast mode's relaxed
	// commits cannot lose it when the server is killed.
	for _, sql := range []string{"CREATE TABLE kept (v text)", "INSERT INTO kept (v) VALUES ('row')", "CHECKPOINT"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	pf, err := readPidFile(c.l.data)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pf.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(ctx, pf.pid, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	began := time.Now()
	again := openCluster(t, Options{Dir: dir, Fast: true})
	t.Logf("Open after the postmaster was killed took %v", time.Since(began))
	if again.Reused() || again.Initialized() {
		t.Fatalf("Open after kill: Initialized=%v Reused=%v, want false false", again.Initialized(), again.Reused())
	}
	if got := queryString(t, connect(t, again), "SELECT v FROM kept"); got != "row" {
		t.Fatalf("row after restart = %q", got)
	}
}

// TestConcurrentOpenSameDir checks that Opens racing on one Dir end with a
// single server: one Open initializes and starts it, the other reuses it.
func TestConcurrentOpenSameDir(t *testing.T) {
	t.Parallel()
	dir := clusterDir(t, "pglocal-")
	t.Cleanup(func() { assertNoServer(t, filepath.Join(dir, "data")) }) // runs after the Closes below
	results := make(chan *Cluster, 2)
	for range 2 {
		go func() {
			c, err := Open(context.Background(), Options{Dir: dir, Fast: true})
			if err != nil {
				t.Errorf("Open: %v", err)
			}
			results <- c
		}()
	}
	var reused, initialized int
	for range 2 {
		c := <-results
		if c == nil {
			continue
		}
		t.Cleanup(func() {
			if err := c.Close(context.Background()); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		if c.Reused() {
			reused++
		}
		if c.Initialized() {
			initialized++
		}
	}
	if reused != 1 || initialized != 1 {
		t.Errorf("reused=%d initialized=%d, want 1 and 1", reused, initialized)
	}
}

// TestOddDirAndSettings checks the quoting of Dir through pg_ctl's shell,
// the server's socket list and the connection string, and that Settings
// reach the server while the listener stays socket-only.
func TestOddDirAndSettings(t *testing.T) {
	t.Parallel()
	dir := clusterDir(t, "pg local's-")
	c := openCluster(t, Options{Dir: dir, Fast: true, Settings: map[string]string{"max_connections": "37"}})
	conn := connect(t, c)
	for sql, want := range map[string]string{
		"SHOW max_connections":         "37",
		"SHOW listen_addresses":        "",
		"SHOW unix_socket_directories": `"` + strings.ReplaceAll(filepath.Join(dir, "run"), `"`, `""`) + `"`,
		"SHOW fsync":                   "off",
		"SHOW server_encoding":         "UTF8",
		"SHOW lc_collate":              "C",
	} {
		if got := queryString(t, conn, sql); got != want {
			t.Errorf("%s = %q, want %q", sql, got, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "run")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("socket dir: %v, %v; want mode 0700", fi.Mode(), err)
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	longDir := filepath.Join(os.TempDir(), strings.Repeat("d", 110))
	for _, tc := range []struct {
		name string
		opts Options
		want []string
		is   error
	}{
		{"no binaries", Options{Dir: clusterDir(t, "pglocal-"), BinDir: "/nonexistent"},
			[]string{"/nonexistent", "apt-get install postgresql"}, ErrNoBinaries},
		{"long socket path", Options{Dir: longDir},
			[]string{longDir + "/run/.s.PGSQL.5432", "107-byte limit"}, nil},
		{"listener setting", Options{Dir: clusterDir(t, "pglocal-"), Settings: map[string]string{"listen_addresses": "*"}},
			[]string{"listen_addresses is managed by pglocal"}, nil},
		{"no dir", Options{}, []string{"Dir is required"}, nil},
		{"unquotable dir", Options{Dir: "/tmp/a$b"}, []string{"cannot quote"}, nil},
		{"comma in dir", Options{Dir: "/tmp/a,b"}, []string{"cannot quote"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Open(ctx, tc.opts)
			if err == nil {
				_ = c.Close(ctx) // the test failed already; just do not leak the server
				t.Fatal("Open succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
		})
	}
	if _, err := os.Stat(longDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open created %s despite rejecting it: %v", longDir, err)
	}
}

func TestOpenRejectsUntraversableParentAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to another user")
	}
	t.Parallel()
	parent := clusterDir(t, "pglocal-") // 0700 root
	_, err := Open(context.Background(), Options{Dir: filepath.Join(parent, "cluster")})
	if err == nil || !strings.Contains(err.Error(), "directory "+parent+" ") || !strings.Contains(err.Error(), "not traversable") {
		t.Fatalf("Open inside a 0700 root folder: %v, want an error naming %s", err, parent)
	}
}

func TestVersionOrder(t *testing.T) {
	got := []string{"/x/postgresql/9.6/bin", "/x/postgresql/16/bin", "/x/postgresql/bin", "/x/postgresql/15/bin"}
	slices.SortStableFunc(got, func(a, b string) int { return slices.Compare(versionOf(b), versionOf(a)) })
	want := []string{"/x/postgresql/16/bin", "/x/postgresql/15/bin", "/x/postgresql/9.6/bin", "/x/postgresql/bin"}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

// TestOpenAfterInterruptedInitdb: a first start stopped during initdb
// (Ctrl-C) must not leave a half-made cluster that every later start
// mistakes for a real one.
func TestOpenAfterInterruptedInitdb(t *testing.T) {
	t.Parallel()
	dir := clusterDir(t, "pglocal-interrupt-")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if c, err := Open(ctx, Options{Dir: dir}); err == nil {
		_ = c.Close(context.Background()) // initdb was faster than the deadline: still a valid run
		t.Skip("initdb finished within 300 ms; cannot interrupt it on this machine")
	}
	c := openCluster(t, Options{Dir: dir, Fast: true})
	if !c.Initialized() {
		t.Fatal("the second Open did not run initdb: it took the interrupted folder for a cluster")
	}
	if got := queryString(t, connect(t, c), "SELECT current_database()"); got != "postgres" {
		t.Fatalf("current_database() = %q", got)
	}
}
