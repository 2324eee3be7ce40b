package main_test

import (
	"bufio"
	"bytes"
	"context"
	"maps"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/internal/pglocal"
)

// externalCluster starts a PostgreSQL of the test's own, the database a
// hub reaches through MONSYS_DATABASE_URL and does not own, with a
// "monsys" database in it. dir, when set, is its folder (a small
// filesystem of the test's); otherwise a fresh temporary one. settings
// add to or override the server's. Commits are
// durable against a crash of the server (synchronous_commit on), only not
// against one of the machine (fsync off), which no test here causes.
func externalCluster(t *testing.T, dir string, settings map[string]string) *pglocal.Cluster {
	t.Helper()
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "monsys-e2e-pg-"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(dir) }) // best effort, after the cluster stopped (cleanups run in reverse)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := map[string]string{"max_connections": "120", "fsync": "off", "shared_buffers": "32MB"}
	maps.Copy(all, settings)
	cl, err := pglocal.Open(ctx, pglocal.Options{Dir: dir, Settings: all})
	if err != nil {
		t.Fatalf("start the test's own postgresql: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := cl.Close(ctx); err != nil {
			t.Errorf("stop the test's postgresql: %v", err)
		}
	})
	conn, err := pgx.Connect(ctx, cl.ConnString("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE DATABASE monsys"); err != nil {
		t.Fatal(err)
	}
	return cl
}

// sqlExec runs statements on the database at connString, as a test's
// hook into the hub's database (a slow trigger, say).
func sqlExec(t *testing.T, connString string, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatalf("connect to the hub's database: %v", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// slowCommits makes every flush of ingest take at least delay: a
// statement trigger on the ingest ledger, which every flush writes first.
// It is the test's own hook, installed in the database; the hub has none.
func slowCommits(t *testing.T, connString string, delay time.Duration) {
	t.Helper()
	sqlExec(t, connString, `CREATE OR REPLACE FUNCTION e2e_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(`+strconv.FormatFloat(delay.Seconds(), 'f', 3, 64)+`); RETURN NULL; END $$;
DROP TRIGGER IF EXISTS e2e_slow_commit ON ingest_batches;
CREATE TRIGGER e2e_slow_commit BEFORE INSERT ON ingest_batches FOR EACH STATEMENT EXECUTE FUNCTION e2e_slow_commit();`)
}

func fastCommits(t *testing.T, connString string) {
	t.Helper()
	sqlExec(t, connString, `DROP TRIGGER IF EXISTS e2e_slow_commit ON ingest_batches`)
}

// peakRSS is the hub process's high-water mark of resident memory
// (VmHWM), in bytes.
func (h *hub) peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(h.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatalf("read the hub's memory: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/<hub>/status")
	return 0
}

// metric is the value of an unlabelled sample in the hub's /metrics.
func (h *hub) metric(t *testing.T, name string) float64 {
	t.Helper()
	status, _, body := h.client().do(t, http.MethodGet, "/metrics", "", nil)
	if status != http.StatusOK {
		t.Fatalf("/metrics answered %d", status)
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s = %q: %v", name, v, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// wantUnhealthy checks that /api/v1/health answers 503 with Retry-After
// and a detail containing reason.
func (h *hub) wantUnhealthy(t *testing.T, reason string) string {
	t.Helper()
	status, hdr, body := h.client().do(t, http.MethodGet, "/api/v1/health", "", nil)
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || !strings.Contains(string(body), reason) {
		t.Errorf("health while %s: %d Retry-After %q %s; want 503 with Retry-After saying %q", reason, status, hdr.Get("Retry-After"), body, reason)
	}
	return string(body)
}

func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB" }
