package main_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// RELIABILITY.md R5 at CI size: the database's data lives on a tmpfs of
// diskSize that the test fills while agents send, first past the hub's
// alert threshold, then completely; then it frees the space.
const (
	diskAgents    = 20
	diskSize      = "192m"
	diskAlertPct  = 50               // MONSYS_DISK_FREE_ALERT_PERCENT
	diskFullFor   = 10 * time.Second // how long the disk stays full
	diskRecoverIn = 60 * time.Second // ingest must resume within this of space being freed
)

func TestIngestSurvivesDiskFull(t *testing.T) {
	mnt := smallFilesystem(t, diskSize)
	// Small WAL so that the data, not WAL recycling, meets the full disk.
	cl := externalCluster(t, mnt, map[string]string{"min_wal_size": "32MB", "max_wal_size": "48MB"})
	bin := buildHub(t)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		"MONSYS_DATABASE_URL="+cl.ConnString("monsys"), "MONSYS_DISK_FREE_ALERT_PERCENT="+strconv.Itoa(diskAlertPct))
	h := s.start(t)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	moments := &crashMoments{acked: make(chan struct{}, 1)}
	agents := enrollCrashAgents(t, c, diskAgents, "disk", moments)
	for _, a := range agents {
		a.retryCap = 5 * time.Second
	}
	var target atomic.Pointer[string]
	target.Store(&h.url)
	stream := streamCrashAgents(t, agents, &target, time.Now().Add(-time.Hour).Truncate(time.Second), 4*time.Minute)
	time.Sleep(3 * time.Second)

	// Below the threshold: /metrics, health and a system alert say so
	// while PostgreSQL still writes.
	fill(t, filepath.Join(mnt, "filler-1"), func(free, size int64) bool { return free*100 < size*(diskAlertPct-15) })
	waitUntil(t, "the disk alert to fire", func() bool { return diskAlert(t, c) != "" })
	t.Logf("alert while %s of the disk is free: %s", mib(int64(h.metric(t, "monsys_storage_free_bytes"))), diskAlert(t, c))
	var health struct {
		DiskFreeBytes *int64 `json:"disk_free_bytes"`
		DiskSizeBytes *int64 `json:"disk_size_bytes"`
	}
	c.call(t, http.MethodGet, "/api/v1/health", "", nil, http.StatusOK, &health)
	if health.DiskFreeBytes == nil || health.DiskSizeBytes == nil || *health.DiskFreeBytes*100 >= *health.DiskSizeBytes*diskAlertPct {
		t.Errorf("health says disk free %v of %v, want below %d %%", health.DiskFreeBytes, health.DiskSizeBytes, diskAlertPct)
	}

	// Full: commits fail, and the hub answers 503.
	refusedBefore := moments.refused.Load()
	fill(t, filepath.Join(mnt, "filler-2"), nil)
	full := time.Now()
	time.Sleep(diskFullFor)
	status, _, body := c.do(t, http.MethodGet, "/api/v1/health", "", nil)
	t.Logf("health with the disk full: %d %s", status, body)
	refusedFull := moments.refused.Load() - refusedBefore
	if refusedFull == 0 {
		t.Errorf("no batch was refused in the %v the disk was full", diskFullFor)
	}

	// Freed: ingest resumes without anyone touching the hub. PostgreSQL
	// itself may have stopped on the full disk (a failed WAL write is a
	// PANIC); its operator would start it again, as this loop does.
	for _, f := range []string{"filler-1", "filler-2"} {
		if err := os.Remove(filepath.Join(mnt, f)); err != nil {
			t.Fatal(err)
		}
	}
	freed := time.Now()
	dbRestarts := 0
	ctx, cancel := context.WithTimeout(context.Background(), diskRecoverIn)
	defer cancel()
	for moments.lastAck.Load() <= freed.UnixNano() && ctx.Err() == nil {
		if restarted, err := cl.EnsureRunning(ctx); err == nil && restarted {
			dbRestarts++
		}
		time.Sleep(200 * time.Millisecond)
	}
	took, ok := moments.ackAfter(freed, diskRecoverIn)
	if !ok {
		t.Fatalf("no batch acknowledged within %v of freeing the disk\nhub stderr:\n%s", diskRecoverIn, tail(h.Stderr(t), 30))
	}
	waitUntil(t, "the disk alert to resolve", func() bool { return diskAlert(t, c) == "" })
	time.Sleep(3 * time.Second)
	stream.stop(diskRecoverIn)

	stats, acked := tallyAgents(t, agents, diskRecoverIn)
	counts := verifyCrashDatabase(t, cl.ConnString("monsys"), agents)
	t.Logf("R5 figures: agents=%d tries=%d batches_acked=%d samples_acked=%d lost=%d duplicated=%d 503=%d (%d while full) no_answer=%d postgres_restarts=%d recovery=%v hub_peak_rss=%s (full at %s)",
		diskAgents, stats.tries, acked, counts.acked, counts.lost, counts.duplicated, stats.unavailable, refusedFull, stats.network,
		dbRestarts, took.Round(100*time.Millisecond), mib(h.peakRSS(t)), full.Format(time.TimeOnly))
	h.terminate(t)
}

// smallFilesystem mounts a tmpfs of size on a fresh folder for the test
// and unmounts it at the end. Mounting needs root: the suite runs as root
// here (and initdb's refusal of root is why pglocal runs PostgreSQL as the
// postgres user).
func smallFilesystem(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test mounts a size-limited tmpfs for PostgreSQL's data and must run as root")
	}
	dir, err := os.MkdirTemp("", "monsys-e2e-disk-")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0755", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount a %s tmpfs on %s: %v\n%s", size, dir, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
			return
		}
		_ = os.Remove(dir) // empty once unmounted
	})
	return dir
}

// fill writes path in 1 MiB steps until enough(free, size) holds, or, with
// enough nil, until the filesystem is full.
func fill(t *testing.T, path string, enough func(free, size int64) bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
			t.Fatal(err)
		}
		if enough != nil && enough(int64(st.Bavail)*st.Bsize, int64(st.Blocks)*st.Bsize) {
			return
		}
		if _, err := f.Write(chunk); err != nil {
			if enough == nil && errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatalf("fill %s: %v", path, err)
		}
	}
}

// diskAlert is the severity of the firing disk alert the hub raised,
// "" when none fires.
func diskAlert(t *testing.T, c *client) string {
	t.Helper()
	var out struct {
		Items []struct {
			Key, Severity, Summary string
			AgentID                *string `json:"agent_id"`
		}
	}
	c.call(t, http.MethodGet, "/api/v1/alerts?state=firing&source=system", "", nil, http.StatusOK, &out)
	for _, a := range out.Items {
		if strings.Contains(a.Key, "disk") && a.AgentID == nil {
			return a.Severity + ": " + a.Summary
		}
	}
	return ""
}
