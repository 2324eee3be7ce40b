package pglocal

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// TestEnsureRunningRestartsADeadServer kills the postmaster, then stops
// the server in immediate mode: each time EnsureRunning, called as the
// hub's watchdog calls it, brings it back with its data, and does nothing
// while it runs.
func TestEnsureRunningRestartsADeadServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := openCluster(t, Options{Dir: clusterDir(t, "pglocal-"), Fast: true})
	conn := connect(t, c)
	for _, sql := range []string{"CREATE TABLE kept (v text)", "INSERT INTO kept (v) VALUES ('row')", "CHECKPOINT"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if restarted, err := c.EnsureRunning(ctx); restarted || err != nil {
		t.Fatalf("EnsureRunning on a running server = %v, %v; want false, nil", restarted, err)
	}
	for _, stop := range []struct {
		name string
		do   func() error
	}{
		{"SIGKILL of the postmaster", func() error {
			pid := c.Pid()
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				return err
			}
			return waitExit(ctx, pid, 10*time.Second)
		}},
		{"pg_ctl stop -m immediate", func() error { return c.Stop(ctx, "immediate") }},
	} {
		if err := stop.do(); err != nil {
			t.Fatalf("%s: %v", stop.name, err)
		}
		if c.Running() {
			t.Fatalf("after %s the server still runs", stop.name)
		}
		// Backends of a killed postmaster may hold its shared memory for a
		// moment; the watchdog simply tries again at its next run.
		deadline := time.Now().Add(30 * time.Second)
		for {
			restarted, err := c.EnsureRunning(ctx)
			if err == nil && restarted {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after %s: EnsureRunning = %v, %v for 30 s", stop.name, restarted, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got := queryString(t, connect(t, c), "SELECT v FROM kept"); got != "row" {
			t.Fatalf("after %s and a restart the row is %q", stop.name, got)
		}
	}
}
