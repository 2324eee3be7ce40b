package inventory

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// path joins Root and an absolute host path.
func (s Source) path(p string) string { return filepath.Join(s.Root, p) }

func (s Source) proc() string {
	if s.Proc != "" {
		return s.Proc
	}
	return s.path("/proc")
}

// live reports whether the collectors look at the running host, where
// commands such as systemctl describe the same machine as the files.
func (s Source) live() bool { return s.Root == "/" }

// errNotPresent marks a source the machine does not have (no Docker, no
// systemd): the part carries it as its Error, which says why it is empty.
var errNotPresent = errors.New("not present on this machine")

// readLines calls fn for each line of a file.
func readLines(path string, fn func(line string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() // read-only
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		fn(sc.Text())
	}
	return sc.Err()
}

// command runs a program found on PATH and returns its standard output,
// capped at 16 MiB.
func command(ctx context.Context, name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, errors.Join(errNotPresent, err)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = []string{"LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0"}
	var out capped
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return out.b, err
	}
	return out.b, nil
}

type capped struct{ b []byte }

func (c *capped) Write(p []byte) (int, error) {
	if room := 16<<20 - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

// unquote strips one pair of surrounding double or single quotes.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// field returns the value of KEY=value in an os-release style file.
func keyValues(path string) map[string]string {
	out := map[string]string{}
	_ = readLines(path, func(line string) { // a missing file leaves the map empty
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && !strings.HasPrefix(k, "#") {
			out[k] = unquote(v)
		}
	})
	return out
}
