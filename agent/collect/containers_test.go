package collect

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/wire"
)

const (
	dockerWeb  = "aa01000000000000000000000000000000000000000000000000000000000000" // Docker, named by the API
	podmanDB   = "bb02000000000000000000000000000000000000000000000000000000000000" // Podman, no API: named by id
	dockerHost = "cc03000000000000000000000000000000000000000000000000000000000000" // Docker, --network host
)

// containerFixture copies testdata/containers to a temporary directory and
// adds the network namespace links (os.CopyFS copies no symlinks): the
// host-network container shares pid 1's.
func containerFixture(t *testing.T) (cgroup, proc string) {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS("testdata/containers")); err != nil {
		t.Fatal(err)
	}
	proc = filepath.Join(dst, "proc")
	for pid, ns := range map[string]string{"1": "net:[4026531840]", "4343": "net:[4026531840]", "4242": "net:[4026532201]", "5151": "net:[4026532305]"} {
		if err := os.MkdirAll(filepath.Join(proc, pid, "ns"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(ns, filepath.Join(proc, pid, "ns", "net")); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dst, "cgroup"), proc
}

// fakeDocker serves GET /containers/json on a Unix socket, as the Docker
// Engine does, and counts the calls.
func fakeDocker(t *testing.T, body string) (sock string, calls *int) {
	t.Helper()
	dir, err := os.MkdirTemp("", "docker-") // short: a socket path is limited to about 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	sock = filepath.Join(dir, "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	calls = new(int)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/containers/json" {
			http.NotFound(w, r)
			return
		}
		*calls++
		_, _ = io.WriteString(w, body)
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return sock, calls
}

func containerSeries(ms []wire.Metric) []wire.Metric {
	var out []wire.Metric
	for _, m := range ms {
		if strings.HasPrefix(m.Name, "container_") {
			out = append(out, m)
		}
	}
	return out
}

// TestContainerMetrics reads a cgroup v2 tree with a Docker container
// (named by the Engine API), a Podman one (named by its id, its process
// in a nested cgroup) and one on the host's network (no network series),
// and checks every series and that counters grow between passes.
func TestContainerMetrics(t *testing.T) {
	cgroup, proc := containerFixture(t)
	sock, calls := fakeDocker(t, `[{"Id":"`+dockerWeb+`","Names":["/web"],"Image":"nginx:1.27","State":"running"},
		{"Id":"`+dockerHost+`","Names":["/hostnet"],"Image":"busybox","State":"running"}]`)
	if !CgroupV2(cgroup) || CgroupV2(proc) {
		t.Fatal("CgroupV2 does not tell the cgroup v2 fixture from another folder")
	}
	col := New(fixture(t), 0).WithContainers(ContainerOptions{CgroupRoot: cgroup, Proc: proc,
		Sockets: []string{filepath.Join(t.TempDir(), "absent.sock"), sock}})
	r, err := col.Collect(context.Background(), time.Unix(1000, 0))
	if err != nil {
		t.Fatal(err)
	}
	ms := containerSeries(r.Metrics)
	web := []string{"container", "web", "image", "nginx:1.27"}
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"container_cpu_seconds_total", web, 2.5},
		{"container_memory_bytes", web, 100_000_000}, // memory.current 104857600 less inactive_file 4857600
		{"container_blkio_read_bytes_total", web, 1500},
		{"container_blkio_write_bytes_total", web, 2700},
		{"container_network_receive_bytes_total", web, 123456}, // eth0, lo left out
		{"container_network_transmit_bytes_total", web, 654321},
		{"container_cpu_seconds_total", []string{"container", podmanDB[:12]}, 7},
		{"container_memory_bytes", []string{"container", podmanDB[:12]}, 50 << 20},
		{"container_network_receive_bytes_total", []string{"container", podmanDB[:12]}, 2000},
		{"container_cpu_seconds_total", []string{"container", "hostnet", "image", "busybox"}, 1},
	}
	for _, c := range checks {
		if got := value(t, ms, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, m := range ms {
		if m.Labels["container"] == podmanDB[:12] && m.Labels["image"] != "" {
			t.Errorf("the unnamed Podman container has an image label: %v", m.Labels)
		}
		if m.Labels["container"] == "hostnet" && strings.Contains(m.Name, "network") {
			t.Errorf("the host-network container reports the host's traffic as its own: %s", m.Name)
		}
		if strings.HasPrefix(m.Labels["container"], "bb02") && strings.HasPrefix(m.Name, "container_blkio") {
			t.Errorf("a container without io.stat reports block I/O: %s", m.Name)
		}
	}
	if n := len(ms); n != 6+4+4 {
		t.Errorf("%d container series, want 14 (web 6, podman 4 without io.stat, hostnet 4 without network)", n)
	}

	webDir := filepath.Join(cgroup, "system.slice", "docker-"+dockerWeb+".scope")
	rewrite(t, filepath.Join(webDir, "cpu.stat"), "usage_usec 2500000", "usage_usec 4000000")
	rewrite(t, filepath.Join(proc, "4242", "net", "dev"), "123456", "223456")
	r, err = col.Collect(context.Background(), time.Unix(1010, 0))
	if err != nil {
		t.Fatal(err)
	}
	ms = containerSeries(r.Metrics)
	if got := value(t, ms, "container_cpu_seconds_total", web...); got != 4 {
		t.Errorf("second pass cpu = %v, want 4", got)
	}
	if got := value(t, ms, "container_network_receive_bytes_total", web...); got != 223456 {
		t.Errorf("second pass receive = %v, want 223456", got)
	}
	// The Podman id is unnamed, but the Engine is asked again only after a minute.
	if *calls != 1 {
		t.Errorf("the Docker API was asked %d times in two passes, want 1", *calls)
	}
}

// TestContainerCapLogsOnce: past Max containers the rest are left out and
// the log says so once, not every pass.
func TestContainerCapLogsOnce(t *testing.T) {
	cgroup, proc := containerFixture(t)
	var logs bytes.Buffer
	col := New(fixture(t), 0).WithContainers(ContainerOptions{CgroupRoot: cgroup, Proc: proc, Max: 2,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for i := range 3 {
		r, err := col.Collect(context.Background(), time.Unix(int64(1000+10*i), 0))
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, m := range containerSeries(r.Metrics) {
			names[m.Labels["container"]] = true
		}
		if len(names) != 2 || names[dockerHost[:12]] {
			t.Fatalf("pass %d reported containers %v; want the first 2 by id", i, names)
		}
	}
	if n := strings.Count(logs.String(), "more containers than the agent reports"); n != 1 || !strings.Contains(logs.String(), "containers=3") {
		t.Errorf("cap logged %d times, want once naming 3 containers:\n%s", n, logs.String())
	}
}

// TestContainerCgroupNames: the cgroup names of Docker's and Podman's
// drivers are containers; conmon scopes, services and short ids are not.
func TestContainerCgroupNames(t *testing.T) {
	for _, c := range []struct {
		name, parent string
		runtime      string
	}{
		{"docker-" + dockerWeb + ".scope", "system.slice", "docker"},
		{"libpod-" + podmanDB + ".scope", "machine.slice", "podman"},
		{"libpod-" + podmanDB, "libpod_parent", "podman"},
		{dockerWeb, "docker", "docker"},
		{"libpod-conmon-" + podmanDB + ".scope", "machine.slice", ""},
		{"sshd.service", "system.slice", ""},
		{"docker-abc.scope", "system.slice", ""},
		{dockerWeb, "system.slice", ""},
	} {
		got, ok := containerOfCgroup("/x", c.name, c.parent)
		if ok != (c.runtime != "") || got.runtime != c.runtime {
			t.Errorf("%s under %s: %+v, %v; want runtime %q", c.name, c.parent, got, ok, c.runtime)
		}
	}
}
