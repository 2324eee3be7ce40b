package pglocal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// startTimeout bounds a server start, including crash recovery after a
// killed server; pg_ctl gets the same limit.
const startTimeout = 60 * time.Second

func (c *Cluster) bin(name string) string { return filepath.Join(c.binDir, name) }

// initdbIfNeeded creates the cluster unless Dir/data holds one already, and
// reports whether it ran initdb.
func (c *Cluster) initdbIfNeeded(ctx context.Context, fast bool) (bool, error) {
	_, err := os.Stat(filepath.Join(c.l.data, "PG_VERSION"))
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("check for existing cluster: %w", err)
	}
	// initdb writes into a side folder that is renamed into place only when
	// it succeeded: a start interrupted during initdb (Ctrl-C, SIGKILL)
	// leaves no half-made cluster that later starts would take for real.
	tmp := c.l.data + ".init"
	if err := os.RemoveAll(tmp); err != nil {
		return false, fmt.Errorf("remove unfinished initdb folder: %w", err)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return false, fmt.Errorf("make initdb folder: %w", err)
	}
	if err := c.acct.own(tmp); err != nil {
		return false, err
	}
	args := []string{"-D", tmp, "-U", superuser, "-A", "trust", "-E", "UTF8", "--locale=C"}
	if fast {
		args = append(args, "--no-sync")
	}
	began := time.Now()
	out, err := c.acct.command(ctx, c.l.dir, c.bin("initdb"), args...).CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("run initdb on %s: %w\n%s", c.l.data, err, lastLines(string(out), 20))
	}
	if err := os.Remove(c.l.data); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("%s holds files but no cluster (no PG_VERSION): move them away: %w", c.l.data, err)
	}
	if err := os.Rename(tmp, c.l.data); err != nil {
		return false, fmt.Errorf("move new cluster into place: %w", err)
	}
	c.logger.Info("initialized postgres data folder", "data", c.l.data, "elapsed", time.Since(began).Round(time.Millisecond))
	return true, nil
}

// reuseIfRunning reports whether a server already runs on Dir/data and
// answers on the expected socket. It removes a postmaster.pid whose pid is a
// zombie or not postgres at all, which the postmaster would mistake for a
// live server; a pid that is simply gone is left for the postmaster to clean
// up, as it also checks that no orphaned backend still uses the old shared
// memory.
func (c *Cluster) reuseIfRunning(ctx context.Context) (bool, error) {
	pf, err := readPidFile(c.l.data)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch statePid(pf.pid) {
	case pidGone:
		c.logger.Info("found postmaster.pid of a dead server, restarting", "pid", pf.pid)
		return false, nil
	case pidImpostor:
		c.logger.Info("found postmaster.pid naming a zombie or non-postgres pid, restarting", "pid", pf.pid)
		return false, c.removeStaleLocks(ctx, pf.pid)
	}
	if pf.port != 0 && (pf.port != c.port || pf.socketDir != c.l.run) {
		return false, fmt.Errorf("reuse server pid %d on %s: it listens on %s/.s.PGSQL.%d, not %s: "+
			"stop it or open with the same Dir and Port", pf.pid, c.l.data, pf.socketDir, pf.port, c.l.socket)
	}
	if err := waitReady(ctx, c.l.socket, startTimeout); err != nil {
		return false, fmt.Errorf("reuse server pid %d on %s: %w\nlast lines of %s:\n%s",
			pf.pid, c.l.data, err, c.l.logFile, tailFile(c.l.logFile, 20))
	}
	// Ready now, the server has written its listen address.
	if ready, err := readPidFile(c.l.data); err == nil && ready.listen != c.listen {
		return false, fmt.Errorf("reuse server pid %d on %s: it listens on TCP %q, not %q: stop it to change the TCP address",
			pf.pid, c.l.data, ready.listen, c.listen)
	}
	c.logger.Info("reusing running postgres server", "pid", pf.pid)
	return true, nil
}

// removeStaleLocks deals with lock files naming pid, a zombie or a process
// that is not postgres, which the postmaster would take for a live server.
// A zombie postmaster is usually reaped within moments, after which the
// postmaster cleans up its lock files itself (checking first that no orphaned
// backend still uses the old shared memory); only if it stays a zombie, or
// the pid belongs to another program, are postmaster.pid and the socket lock
// files naming it removed here.
func (c *Cluster) removeStaleLocks(ctx context.Context, pid int) error {
	deadline := time.Now().Add(2 * time.Second)
	for statePid(pid) == pidImpostor && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for stale postmaster pid %d: %w", pid, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if statePid(pid) == pidGone {
		return nil
	}
	c.logger.Warn("removing lock files naming a pid that is not a live postgres server", "pid", pid)
	locks, _ := filepath.Glob(filepath.Join(c.l.run, ".s.PGSQL.*.lock")) // the pattern is valid
	locks = append(locks, filepath.Join(c.l.data, "postmaster.pid"))
	for _, lock := range locks {
		b, err := os.ReadFile(lock)
		if err != nil {
			continue // gone already
		}
		if first, _, _ := strings.Cut(string(b), "\n"); strings.TrimSpace(first) != strconv.Itoa(pid) {
			continue
		}
		if err := os.Remove(lock); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale lock file: %w", err)
		}
	}
	return nil
}

// start runs pg_ctl start -w, which daemonizes the postmaster in its own
// session and waits until it accepts connections.
func (c *Cluster) start(ctx context.Context, serverArgs []string) error {
	if err := rotateLog(c.l.logFile); err != nil {
		return err
	}
	began := time.Now()
	out, err := c.acct.command(ctx, c.l.dir, c.bin("pg_ctl"), "start", "-w",
		"-t", strconv.Itoa(int(startTimeout/time.Second)),
		"-D", c.l.data, "-l", c.l.logFile, "-o", shellJoin(serverArgs),
	).CombinedOutput()
	if err == nil {
		err = waitReady(ctx, c.l.socket, 10*time.Second)
	}
	if err != nil {
		// pg_ctl may give up (timeout, ctx) on a postmaster that then comes
		// up anyway: stop it so that a failed Open leaves nothing behind.
		stopErr := c.stop(context.WithoutCancel(ctx))
		return fmt.Errorf("start server on %s: %w\n%s\nlast lines of %s:\n%s",
			c.l.data, errors.Join(err, stopErr), lastLines(string(out), 5), c.l.logFile, tailFile(c.l.logFile, 20))
	}
	c.logger.Info("started postgres server", "elapsed", time.Since(began).Round(time.Millisecond))
	return nil
}

// stop runs pg_ctl stop -m fast -w when a server runs on Dir/data, then
// waits for the postmaster process itself to exit: pg_ctl returns once
// postmaster.pid is gone, a moment before the process is.
func (c *Cluster) stop(ctx context.Context) error { return c.stopMode(ctx, "fast") }

func (c *Cluster) stopMode(ctx context.Context, mode string) error {
	pf, err := readPidFile(c.l.data)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if statePid(pf.pid) != pidRunning {
		return nil
	}
	began := time.Now()
	out, err := c.acct.command(ctx, c.l.dir, c.bin("pg_ctl"), "stop", "-D", c.l.data, "-m", mode, "-w",
		"-t", strconv.Itoa(int(startTimeout/time.Second))).CombinedOutput()
	if err != nil && statePid(pf.pid) == pidRunning {
		return fmt.Errorf("stop server pid %d on %s: %w\n%s", pf.pid, c.l.data, err, lastLines(string(out), 5))
	}
	if err := waitExit(ctx, pf.pid, 10*time.Second); err != nil {
		return err
	}
	c.logger.Info("stopped postgres server", "pid", pf.pid, "mode", mode, "elapsed", time.Since(began).Round(time.Millisecond))
	return nil
}
