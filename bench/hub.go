package bench

import (
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
	"time"
)

// HubOptions start one `monsys serve` process on a fresh data folder.
type HubOptions struct {
	Bin      string   // the monsys binary
	Dir      string   // a new folder: the data folder and the logs go under it
	Env      []string // extra MONSYS_* settings
	Email    string   // first owner, created on first start
	Password string
}

// HubProcess is a running hub that owns its embedded PostgreSQL.
type HubProcess struct {
	URL     string
	DataDir string
	Log     string // the hub's stderr
	cmd     *exec.Cmd
	done    chan struct{}
}

// StartHub runs `monsys serve` on a free local port and waits (up to
// 2 minutes) until it answers healthy. The caller must Stop it.
func StartHub(ctx context.Context, o HubOptions) (*HubProcess, error) {
	// As root the cluster runs as postgres, which must traverse the folder.
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create hub folder: %w", err)
	}
	if err := os.Chmod(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("open hub folder to postgres: %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	h := &HubProcess{URL: "http://127.0.0.1:" + strconv.Itoa(port), DataDir: filepath.Join(o.Dir, "data"),
		Log: filepath.Join(o.Dir, "hub.log"), done: make(chan struct{})}
	logf, err := os.Create(h.Log)
	if err != nil {
		return nil, fmt.Errorf("create hub log: %w", err)
	}
	defer logf.Close() // the child has its own descriptor
	h.cmd = exec.Command(o.Bin, "serve")
	h.cmd.Env = append(hubEnviron(), "MONSYS_DATA_DIR="+h.DataDir, "MONSYS_LOG_FORMAT=json",
		"MONSYS_LISTEN=127.0.0.1:"+strconv.Itoa(port), "MONSYS_ADMIN_EMAIL="+o.Email, "MONSYS_ADMIN_PASSWORD="+o.Password)
	h.cmd.Env = append(h.cmd.Env, o.Env...)
	h.cmd.Stdout, h.cmd.Stderr = logf, logf
	if err := h.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start hub: %w", err)
	}
	go func() { _ = h.cmd.Wait(); close(h.done) }() // the exit status is read from ProcessState
	if err := h.waitHealthy(ctx, 2*time.Minute); err != nil {
		return nil, errors.Join(err, h.Stop())
	}
	return h, nil
}

// hubEnviron is this process's environment without MONSYS_* and PG*
// variables, so only the benchmark's settings reach the hub.
func hubEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MONSYS_") && !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

func (h *HubProcess) waitHealthy(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := c.Get(h.URL + "/api/v1/health")
		if err == nil {
			var body struct{ Status string }
			_ = json.NewDecoder(resp.Body).Decode(&body) // a wrong body leaves Status empty
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && body.Status == "ok" {
				return nil
			}
		}
		select {
		case <-h.done:
			return fmt.Errorf("hub exited with %v before it was healthy; its log ends:\n%s", h.cmd.ProcessState, tail(h.Log, 15))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hub not healthy within %s; its log ends:\n%s", within, tail(h.Log, 15))
		}
	}
}

// PID is the hub process's id.
func (h *HubProcess) PID() int { return h.cmd.Process.Pid }

// PostmasterPID is the pid of the hub's embedded PostgreSQL, from the
// first line of its postmaster.pid.
func (h *HubProcess) PostmasterPID() (int, error) {
	b, err := os.ReadFile(filepath.Join(h.DataDir, "pg", "data", "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("read postmaster.pid: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("parse postmaster.pid: %w", err)
	}
	return pid, nil
}

// ConnString reaches the hub's embedded database as the hub does: its
// Unix socket, trust authentication as postgres.
func (h *HubProcess) ConnString() string {
	return "host=" + filepath.Join(h.DataDir, "pg", "run") + " port=5432 user=postgres dbname=monsys sslmode=disable"
}

// Stop sends SIGTERM and waits up to a minute for the hub (and so its
// PostgreSQL) to stop, then kills it.
func (h *HubProcess) Stop() error {
	select {
	case <-h.done:
		return nil
	default:
	}
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop hub: %w", err)
	}
	select {
	case <-h.done:
		return nil
	case <-time.After(time.Minute):
		_ = h.cmd.Process.Kill() // it ignored SIGTERM for a minute
		<-h.done
		return fmt.Errorf("hub did not stop within a minute of SIGTERM; killed; see %s", h.Log)
	}
}

// BuildHub compiles ./cmd/monsys of the module in dir into out.
func BuildHub(ctx context.Context, moduleDir, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./cmd/monsys")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/monsys: %w\n%s", err, b)
	}
	return nil
}

// FreePort returns a local port nothing listens on, picked at random
// below the kernel's ephemeral range: the hub binds it seconds later,
// after its database is up, and a port from Listen(":0") could meanwhile
// go to another process's Listen(":0").
func FreePort() (int, error) {
	const floor = 20000
	ephemeral := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				ephemeral = n
			}
		}
	}
	for range 100 {
		if ephemeral-floor < 1000 {
			break
		}
		port := floor + rand.IntN(ephemeral-floor)
		if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			_ = ln.Close() // only probing
			return port, nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail is the last n lines of the file at path, for an error message.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
