package collect

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/wire"
)

// fixture copies testdata/proc and testdata/etc to a temporary directory
// the test may change between passes.
func fixture(t *testing.T) Paths {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS("testdata")); err != nil {
		t.Fatal(err)
	}
	return Paths{Proc: filepath.Join(dst, "proc"), Sys: filepath.Join(dst, "sys"), Etc: filepath.Join(dst, "etc")}
}

func rewrite(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// value finds the sample of name whose labels include want.
func value(t *testing.T, ms []wire.Metric, name string, want ...string) float64 {
	t.Helper()
	for _, m := range ms {
		if m.Name != name {
			continue
		}
		ok := true
		for i := 0; i+1 < len(want); i += 2 {
			ok = ok && m.Labels[want[i]] == want[i+1]
		}
		if ok {
			return m.Samples[0].Value
		}
	}
	t.Fatalf("no %s%v in %d series", name, want, len(ms))
	return 0
}

func has(ms []wire.Metric, name string, label, v string) bool {
	for _, m := range ms {
		if m.Name == name && m.Labels[label] == v {
			return true
		}
	}
	return false
}

// TestCollectFixture reads the fixture /proc twice, ten seconds apart,
// with the counters moved in between: CPU ratios come from the deltas,
// a 32-bit network counter that wrapped and a disk counter that reset
// stay monotonic, pseudo filesystems and bind mounts are left out, and
// the process that used CPU tops the process list.
func TestCollectFixture(t *testing.T) {
	p := fixture(t)
	c := New(p, 2)
	t0 := time.Unix(1764300000, 0)
	first, err := c.Collect(context.Background(), t0)
	if err != nil {
		t.Logf("first pass: %v", err) // sources the fixture lacks (sys) are reported, not fatal
	}
	if has(first.Metrics, "cpu_usage_ratio", "cpu", "all") {
		t.Errorf("the first pass reported CPU ratios without a previous reading")
	}
	rewrite(t, filepath.Join(p.Proc, "stat"), "cpu  1000 100 500 8000 200 10 40 50 0 0", "cpu  1250 100 600 8600 250 10 40 50 0 0")
	rewrite(t, filepath.Join(p.Proc, "net/dev"), "eth0: 4294967000", "eth0: 200")
	rewrite(t, filepath.Join(p.Proc, "diskstats"), "sda 1000 10 20000", "sda 1001 10 100")
	rewrite(t, filepath.Join(p.Proc, "42/stat"), " 1000 500 ", " 1500 500 ")
	second, _ := c.Collect(context.Background(), t0.Add(10*time.Second)) // partial errors logged above
	ms := second.Metrics

	for mode, want := range map[string]float64{"user": 0.25, "system": 0.1, "idle": 0.6, "iowait": 0.05, "steal": 0} {
		if got := value(t, ms, "cpu_mode_ratio", "mode", mode); math.Abs(got-want) > 1e-9 {
			t.Errorf("cpu_mode_ratio{mode=%q} = %v, want %v", mode, got, want)
		}
	}
	if got := value(t, ms, "cpu_usage_ratio", "cpu", "all"); math.Abs(got-0.35) > 1e-9 {
		t.Errorf("cpu_usage_ratio = %v, want 0.35 (not idle, not iowait)", got)
	}
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"load1", nil, 0.52},
		{"load15", nil, 0.30},
		{"memory_total_bytes", nil, 8000000 * 1024},
		{"memory_available_bytes", nil, 6000000 * 1024},
		{"memory_used_bytes", nil, 2000000 * 1024},
		{"swap_total_bytes", nil, 2000000 * 1024},
		{"swap_used_bytes", nil, 500000 * 1024},
		{"swap_used_ratio", nil, 0.25},
		{"load15_per_cpu", nil, 0.30 / 2}, // the fixture has two CPUs
		{"processes_running", nil, 3},
		{"processes_total", nil, 3},
		{"threads_total", nil, 7},
		// 2^32 − 4294967000 + 200: the wrap adds 496 bytes, it does not reset.
		{"network_receive_bytes_total", []string{"interface", "eth0"}, 4294967000 + 496},
		{"network_transmit_bytes_total", []string{"interface", "eth0"}, 800000},
		// The sector counter fell from 20000 to 100: a reset, counted from zero.
		{"disk_read_bytes_total", []string{"device", "sda"}, (20000 + 100) * 512},
		{"disk_writes_completed_total", []string{"device", "sda"}, 2000},
	}
	for _, c := range checks {
		if got := value(t, ms, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if has(ms, "disk_read_bytes_total", "device", "loop0") {
		t.Errorf("loop devices are reported")
	}
	for _, m := range ms {
		if strings.HasPrefix(m.Name, "filesystem_") && (m.Labels["fstype"] == "proc" || m.Labels["fstype"] == "tmpfs" || m.Labels["mountpoint"] == "/srv-bind") {
			t.Errorf("%s reported for %v: pseudo filesystems and second mounts of a device are left out", m.Name, m.Labels)
		}
	}
	if !has(ms, "filesystem_used_ratio", "mountpoint", "/") {
		t.Errorf("no filesystem_used_ratio for /")
	}

	if len(second.Processes) == 0 || second.Processes[0].PID != 42 {
		t.Fatalf("top processes %+v, want pid 42 first (it used the CPU)", second.Processes)
	}
	top := second.Processes[0]
	if top.Name != "post gres) x" || math.Abs(top.CPURatio-0.5) > 1e-9 || top.User != "root" ||
		top.Cmdline != "postgres -D /var/lib/postgresql" || top.RSSBytes != 50000*uint64(os.Getpagesize()) || top.NumThreads != 4 {
		t.Errorf("top process %+v: want name with ')' intact, cpu 0.5, user root, cmdline and rss from the fixture", top)
	}
}

func TestCounterDelta(t *testing.T) {
	for _, tc := range []struct {
		prev, cur, want uint64
		what            string
	}{
		{100, 150, 50, "plain increase"},
		{math.MaxUint32 - 9, 5, 15, "32-bit wrap"},
		{math.MaxUint64 - 9, 5, 15, "64-bit wrap"},
		{1 << 40, 7, 7, "reset of a 64-bit counter"},
		{1000000000, 1000, 1000, "reset of a 32-bit counter: the wrapped distance would exceed half the range"},
		{3000000000, 1000, math.MaxUint32 - 3000000000 + 1000 + 1, "32-bit wrap from the top half"},
	} {
		if got := counterDelta(tc.prev, tc.cur); got != tc.want {
			t.Errorf("%s: delta(%d, %d) = %d, want %d", tc.what, tc.prev, tc.cur, got, tc.want)
		}
	}
	c := NewCounters()
	for i, raw := range []uint64{10, 20, 5, 8} { // reset after 20
		got := c.Observe("k", raw)
		want := []float64{10, 20, 25, 28}[i]
		if got != want {
			t.Errorf("observation %d: %v, want %v", i, got, want)
		}
	}
	c.Sweep()
	c.Sweep() // not observed since the last sweep: forgotten
	if got := c.Observe("k", 3); got != 3 {
		t.Errorf("a forgotten series restarts at its reading: got %v, want 3", got)
	}
}
