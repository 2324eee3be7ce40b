package pglocal

import (
	"context"
	"fmt"
)

// Running reports whether the cluster's postmaster is alive.
func (c *Cluster) Running() bool {
	pf, err := readPidFile(c.l.data)
	return err == nil && statePid(pf.pid) == pidRunning
}

// EnsureRunning starts the server again if it is not running (it crashed,
// was killed, or someone stopped it), and reports whether it did. The hub
// calls it every few seconds for its embedded cluster, so a PostgreSQL
// that died comes back without anyone restarting the hub. After Close it
// does nothing.
func (c *Cluster) EnsureRunning(ctx context.Context) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.Running() {
		return false, nil
	}
	unlock, err := lockFile(ctx, c.l.lock)
	if err != nil {
		return false, err
	}
	defer unlock()
	if running, err := c.reuseIfRunning(ctx); err != nil || running {
		return false, err // someone else started it meanwhile
	}
	c.logger.Warn("postgres server is not running; starting it again")
	if err := c.start(ctx, c.args); err != nil {
		return false, err
	}
	return true, nil
}

// Stop stops the server with pg_ctl's mode, "fast" (roll back, disconnect)
// or "immediate" (quit at once, crash recovery at the next start), without
// closing the Cluster: EnsureRunning starts it again. Tests use it to
// take the database away from a hub that does not own it.
func (c *Cluster) Stop(ctx context.Context, mode string) error {
	if mode != "fast" && mode != "immediate" && mode != "smart" {
		return fmt.Errorf("stop server: unknown mode %q", mode)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	unlock, err := lockFile(ctx, c.l.lock)
	if err != nil {
		return err
	}
	defer unlock()
	return c.stopMode(ctx, mode)
}

// Pid is the postmaster's process id, 0 when none runs.
func (c *Cluster) Pid() int {
	pf, err := readPidFile(c.l.data)
	if err != nil || statePid(pf.pid) != pidRunning {
		return 0
	}
	return pf.pid
}

// DataDir is the cluster's PGDATA.
func (c *Cluster) DataDir() string { return c.l.data }
