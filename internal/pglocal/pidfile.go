package pglocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pidFile is what a running postmaster records in PGDATA/postmaster.pid.
type pidFile struct {
	pid       int
	port      int
	socketDir string
	listen    string // the first of listen_addresses; empty when socket only
}

// readPidFile parses PGDATA/postmaster.pid. It returns an error matching
// fs.ErrNotExist when no server has the data folder locked.
func readPidFile(dataDir string) (pidFile, error) {
	path := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(path)
	if err != nil {
		return pidFile{}, fmt.Errorf("read postmaster.pid: %w", err)
	}
	// Line 1 is the pid, 4 the port, 5 the first socket directory, 6 the
	// first listen address; a server still starting may have written only
	// the first lines.
	lines := strings.Split(string(b), "\n")
	var pf pidFile
	if pf.pid, err = strconv.Atoi(strings.TrimSpace(lines[0])); err != nil {
		return pidFile{}, fmt.Errorf("parse pid in %s: %w", path, err)
	}
	if len(lines) > 4 {
		pf.port, _ = strconv.Atoi(strings.TrimSpace(lines[3])) // 0 when not yet written
		pf.socketDir = strings.TrimSpace(lines[4])
	}
	if len(lines) > 5 {
		pf.listen = strings.TrimSpace(lines[5])
	}
	return pf, nil
}

// pidState classifies the process a postmaster.pid names.
type pidState int

const (
	pidGone     pidState = iota // no such process: the postmaster cleans up the file itself
	pidRunning                  // a live postgres process
	pidImpostor                 // a zombie, or the pid was reused by another program
)

// statePid classifies pid. A zombie, which a container's init may never reap,
// and a process that is not postgres (the pid was reused after a reboot) are
// impostors: the postmaster would take them for a live server and refuse to
// start. Without procfs (macOS) any live pid counts as running.
func statePid(pid int) pidState {
	if pid <= 0 {
		return pidGone
	}
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return pidGone
	}
	proc := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(proc + "/stat")
	if err != nil {
		return pidRunning
	}
	// The state follows the parenthesised command name, which may contain spaces.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
		return pidImpostor
	}
	comm, err := os.ReadFile(proc + "/comm")
	if err != nil {
		return pidRunning
	}
	if name := strings.TrimSpace(string(comm)); strings.HasPrefix(name, "postgres") || strings.HasPrefix(name, "postmaster") {
		return pidRunning
	}
	return pidImpostor
}

// waitExit waits until pid is gone, ctx ends or timeout passes.
func waitExit(ctx context.Context, pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for statePid(pid) == pidRunning {
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for postmaster pid %d to exit: still running after %v", pid, timeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for postmaster pid %d to exit: %w", pid, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
