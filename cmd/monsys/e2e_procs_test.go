package main_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// clusterProcs lists the live processes of the PostgreSQL cluster in dir:
// the postmaster, whose command line names its data folder, and the
// backends and helpers, which rename themselves ("postgres: checkpointer")
// but keep the data folder as their working directory.
func clusterProcs(dir string) []string {
	roots := []string{dir}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		roots = append(roots, real)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var found []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 { // gone, or a zombie waiting to be reaped
			continue
		}
		cmdline := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
		cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")) // unreadable: judge by the command line
		for _, root := range roots {
			if strings.Contains(cmdline, root) || cwd == root || strings.HasPrefix(cwd, root+"/") {
				found = append(found, e.Name()+" "+cmdline)
				break
			}
		}
	}
	return found
}

// requireNoCluster fails the test if any process of the cluster in dir is
// still running.
func requireNoCluster(t *testing.T, dir, after string) {
	t.Helper()
	if left := clusterProcs(dir); len(left) > 0 {
		t.Fatalf("%s, PostgreSQL processes of %s are still running:\n  %s", after, dir, strings.Join(left, "\n  "))
	}
}

// stopCluster stops whatever still runs on the cluster in dir, the way
// `pg_ctl stop -m immediate` does (SIGQUIT to the postmaster), then kills
// what remains. It returns the processes it found.
func stopCluster(dir string) []string {
	found := clusterProcs(dir)
	if len(found) == 0 {
		return nil
	}
	if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
		first, _, _ := strings.Cut(string(b), "\n")
		if pid, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGQUIT) // already gone is fine
		}
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if len(clusterProcs(dir)) == 0 {
			return found
		}
	}
	for _, p := range clusterProcs(dir) {
		pidText, _, _ := strings.Cut(p, " ")
		if pid, err := strconv.Atoi(pidText); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL) // last resort; already gone is fine
		}
	}
	return found
}
