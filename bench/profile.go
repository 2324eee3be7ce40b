package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CaptureProfile takes a CPU profile of seconds from a hub's
// MONSYS_PPROF_LISTEN address into path, then returns the head (lines
// lines) of `go tool pprof -top` over it.
func CaptureProfile(ctx context.Context, pprofAddr string, seconds int, path string, lines int) (string, error) {
	url := "http://" + pprofAddr + "/debug/pprof/profile?seconds=" + strconv.Itoa(seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("build profile request: %w", err)
	}
	resp, err := (&http.Client{Timeout: time.Duration(seconds+30) * time.Second}).Do(req)
	if err != nil {
		return "", fmt.Errorf("take hub profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("take hub profile: %s answered %d", url, resp.StatusCode)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("save hub profile: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("save hub profile: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close() // the copy error is the one to report
		return "", fmt.Errorf("save hub profile: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("save hub profile: %w", err)
	}
	out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount="+strconv.Itoa(lines), path).Output()
	if err != nil {
		return "", fmt.Errorf("go tool pprof -top: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
