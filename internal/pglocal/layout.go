package pglocal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// layout holds the paths of a cluster's files under its Dir.
type layout struct {
	dir     string // absolute Options.Dir
	data    string // PGDATA
	run     string // socket directory
	logFile string // server stderr
	lock    string // advisory lock serialising Open and Close
	socket  string // the socket file the server listens on
}

func newLayout(dir string, port int) (layout, error) {
	if dir == "" {
		return layout{}, errors.New("check options: Dir is required")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return layout{}, fmt.Errorf("resolve Dir %q: %w", dir, err)
	}
	// pg_ctl pastes PGDATA and the log path into a shell command inside
	// double quotes without escaping them, and connection strings split
	// their host on commas.
	if strings.ContainsAny(abs, "\"\\$`\n,") {
		return layout{}, fmt.Errorf("check options: Dir %q contains one of \" \\ $ ` , or a newline, "+
			"which pg_ctl or a connection string cannot quote", abs)
	}
	l := layout{
		dir:     abs,
		data:    filepath.Join(abs, "data"),
		run:     filepath.Join(abs, "run"),
		logFile: filepath.Join(abs, "postgres.log"),
		lock:    filepath.Join(abs, "pglocal.lock"),
	}
	l.socket = filepath.Join(l.run, ".s.PGSQL."+strconv.Itoa(port))
	if limit := maxSocketPath(); len(l.socket) > limit {
		return layout{}, fmt.Errorf("check options: socket path %s is %d bytes, longer than the %d-byte limit "+
			"of a Unix socket path on %s: choose a shorter Dir", l.socket, len(l.socket), limit, runtime.GOOS)
	}
	return l, nil
}

// maxSocketPath is the longest socket path PostgreSQL accepts: sun_path is
// 108 bytes on Linux and 104 on the BSDs and macOS, including the final NUL.
func maxSocketPath() int {
	if runtime.GOOS == "linux" {
		return 107
	}
	return 103
}

// prepare creates Dir, Dir/run and Dir/data and hands them to the account.
// Missing ancestors of Dir are created 0755 so the server user can traverse
// them; Dir and its sub-folders are private (0700).
func (l layout) prepare(a account) error {
	if err := os.MkdirAll(filepath.Dir(l.dir), 0o755); err != nil {
		return fmt.Errorf("create parent of %s: %w", l.dir, err)
	}
	for _, d := range []string{l.dir, l.run, l.data} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create %s: %w", d, err)
		}
		// Mkdir does not change an existing folder; the socket folder and
		// PGDATA must be private or trust auth and the server are unsafe.
		if d != l.dir {
			if err := os.Chmod(d, 0o700); err != nil {
				return fmt.Errorf("chmod %s: %w", d, err)
			}
		}
	}
	if err := a.checkTraversable(l.dir); err != nil {
		return err
	}
	return a.own(l.dir, l.run, l.data)
}
