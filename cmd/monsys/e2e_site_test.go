package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Generous ceilings: the machine running the suite may be slow and busy.
const (
	healthyWithin = 60 * time.Second // process start to a 200 from /api/v1/health
	exitWithin    = 30 * time.Second // SIGTERM to exit
	cliWithin     = 2 * time.Minute  // a one-shot CLI command, cluster start and stop included
)

// buildHub compiles this command once for the test and returns the path of
// the binary, removed when t ends.
func buildHub(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "monsys-e2e-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) }) // a leftover binary in the temp dir harms nobody
	bin := filepath.Join(dir, "monsys")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// site is one installation of the hub: a data folder shared by every hub
// process and CLI command the test runs on it.
type site struct {
	bin     string
	dir     string   // holds the data folder and the processes' output
	dataDir string   // MONSYS_DATA_DIR
	env     []string // MONSYS_* settings beyond the data folder
	runs    int
}

// newSite makes a fresh data folder. When t ends, any PostgreSQL still
// running on it is stopped and the folder removed.
func newSite(t *testing.T, bin string, env ...string) *site {
	t.Helper()
	dir, err := os.MkdirTemp("", "monsys-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	// As root the cluster runs as the postgres user, which must be able to
	// traverse every ancestor of MONSYS_DATA_DIR/pg; MkdirTemp makes 0700.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &site{bin: bin, dir: dir, dataDir: filepath.Join(dir, "data"), env: env}
	t.Cleanup(func() {
		if left := stopCluster(s.clusterDir()); len(left) > 0 {
			t.Logf("cleanup stopped leftover cluster processes: %v", left)
		}
		_ = os.RemoveAll(dir) // best effort: the temp dir is not ours to keep clean forever
	})
	return s
}

// clusterDir is where the hub keeps its embedded PostgreSQL.
func (s *site) clusterDir() string { return filepath.Join(s.dataDir, "pg") }

// connString reaches the site's embedded cluster as the hub does
// (pglocal.ConnString: socket under clusterDir/run, default port 5432,
// trust auth as postgres), for tests that inspect the database directly.
func (s *site) connString(database string) string {
	return "host=" + filepath.Join(s.clusterDir(), "run") + " port=5432 user=postgres dbname=" + database + " sslmode=disable"
}

// environ is the environment of a process on the site: the test's own
// without any MONSYS_* or PG* variable, plus the site's settings.
func (s *site) environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MONSYS_") && !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	env = append(env, "MONSYS_DATA_DIR="+s.dataDir, "MONSYS_LOG_FORMAT=json")
	env = append(env, s.env...)
	return append(env, extra...)
}

// run runs a one-shot command such as `migrate status` to the end.
func (s *site) run(t *testing.T, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	return s.runStdin(t, "", args...)
}

// runStdin is run with stdin as the command's standard input.
func (s *site) runStdin(t *testing.T, stdin string, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliWithin)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = s.environ()
	cmd.Dir = s.dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		exitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("monsys %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("monsys %s did not finish within %v\nstderr:\n%s", strings.Join(args, " "), cliWithin, errOut.String())
	}
	return out.String(), errOut.String(), exitCode
}

// hub is one `monsys serve` process.
type hub struct {
	cmd     *exec.Cmd
	url     string
	stdout  string // files holding the process's output
	stderr  string
	started time.Time
	done    chan struct{} // closed once the process has exited and been reaped
	http    *http.Client
}

// start runs `monsys serve` on a free port. When t ends a hub still running
// is killed.
func (s *site) start(t *testing.T) *hub {
	t.Helper()
	return s.startOn(t, freePort(t))
}

// startOn runs `monsys serve` on port, for tests that restart a hub where
// its clients expect it.
func (s *site) startOn(t *testing.T, port int) *hub {
	t.Helper()
	s.runs++
	h := &hub{
		url:    "http://127.0.0.1:" + strconv.Itoa(port),
		stdout: filepath.Join(s.dir, fmt.Sprintf("hub-%d.stdout", s.runs)),
		stderr: filepath.Join(s.dir, fmt.Sprintf("hub-%d.stderr", s.runs)),
		done:   make(chan struct{}),
		http:   &http.Client{Timeout: 10 * time.Second},
	}
	h.cmd = exec.Command(s.bin, "serve")
	h.cmd.Env = s.environ("MONSYS_LISTEN=127.0.0.1:" + strconv.Itoa(port))
	h.cmd.Dir = s.dir
	var files []*os.File
	for _, path := range []string{h.stdout, h.stderr} {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	h.cmd.Stdout, h.cmd.Stderr = files[0], files[1]
	h.started = time.Now()
	err := h.cmd.Start()
	for _, f := range files {
		_ = f.Close() // the child has its own descriptors
	}
	if err != nil {
		t.Fatalf("start hub: %v", err)
	}
	go func() {
		_ = h.cmd.Wait() // the exit status is read from ProcessState
		close(h.done)
	}()
	t.Cleanup(func() {
		h.http.CloseIdleConnections()
		if !h.exited() {
			_ = h.cmd.Process.Kill() // the test failed before stopping it
			<-h.done
		}
	})
	return h
}

func (h *hub) exited() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

func (h *hub) output(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Stdout and Stderr return what the process has written so far.
func (h *hub) Stdout(t *testing.T) string { return h.output(t, h.stdout) }
func (h *hub) Stderr(t *testing.T) string { return h.output(t, h.stderr) }

// waitHealthy polls /api/v1/health until it answers 200 and returns the time
// since the process started.
func (h *hub) waitHealthy(t *testing.T) time.Duration {
	t.Helper()
	listen := strings.TrimPrefix(h.url, "http://")
	for {
		// Until this process says it listens, whatever answers on the port
		// is not this hub.
		var err error
		if rec := h.logLine(t, "monsys ready"); rec == nil {
			err = errors.New("hub not listening yet")
		} else if rec["listen"] != listen {
			t.Fatalf("hub listens on %v, want %s", rec["listen"], listen)
		} else if resp, getErr := h.http.Get(h.url + "/api/v1/health"); getErr != nil {
			err = getErr
		} else {
			var body struct{ Status string }
			decodeErr := json.NewDecoder(resp.Body).Decode(&body)
			_ = resp.Body.Close() // read fully or not, the answer is known
			if resp.StatusCode == http.StatusOK {
				if decodeErr != nil || body.Status != "ok" {
					t.Fatalf("health answered 200 with status %q (%v)", body.Status, decodeErr)
				}
				return time.Since(h.started)
			}
		}
		switch {
		case h.exited():
			t.Fatalf("hub exited with %v before it was healthy\nstderr:\n%s", h.cmd.ProcessState, h.Stderr(t))
		case time.Since(h.started) > healthyWithin:
			t.Fatalf("hub not healthy within %v (last: %v)\nstderr:\n%s", healthyWithin, err, h.Stderr(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// terminate sends SIGTERM and requires a clean exit within exitWithin.
func (h *hub) terminate(t *testing.T) {
	t.Helper()
	h.http.CloseIdleConnections()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-h.done:
	case <-time.After(exitWithin):
		t.Fatalf("hub still running %v after SIGTERM\nstderr:\n%s", exitWithin, h.Stderr(t))
	}
	if code := h.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("hub exited with %d after SIGTERM, want 0\nstderr:\n%s", code, h.Stderr(t))
	}
}

// kill ends the hub with SIGKILL, as a crash or the OOM killer would.
func (h *hub) kill(t *testing.T) {
	t.Helper()
	h.http.CloseIdleConnections()
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-h.done
}

// logLine returns the first JSON log record with that msg.
func (h *hub) logLine(t *testing.T, msg string) map[string]any {
	t.Helper()
	for line := range strings.Lines(h.Stderr(t)) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			return rec
		}
	}
	return nil
}

// freePort returns a port nothing listens on, picked below the kernel's
// ephemeral range. The hub binds it only after its database is up, seconds
// later; a port from Listen(":0") could meanwhile go to another process's
// Listen(":0"), such as a test server of another package running alongside.
func freePort(t *testing.T) int {
	t.Helper()
	const floor = 20000
	ephemeral := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				ephemeral = n
			}
		}
	}
	addr := "127.0.0.1:0"
	for i := 0; i < 100 && ephemeral-floor >= 1000; i++ {
		candidate := "127.0.0.1:" + strconv.Itoa(floor+rand.IntN(ephemeral-floor))
		if ln, err := net.Listen("tcp", candidate); err == nil {
			_ = ln.Close() // only probing
			addr = candidate
			break
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
