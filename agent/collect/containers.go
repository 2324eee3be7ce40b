package collect

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/monsys/monsys/agent/dockerapi"
)

// DefaultMaxContainers is how many containers a pass reports at most.
const DefaultMaxContainers = 200

// ContainerOptions says where a host's containers are found.
type ContainerOptions struct {
	// CgroupRoot is the cgroup v2 mount, /sys/fs/cgroup on the host.
	CgroupRoot string
	// Proc is the host's /proc, for each container's network counters.
	Proc string
	// Sockets are Docker Engine API sockets (Docker's, Podman's
	// compatible one) asked for names and images; absent ones are skipped.
	Sockets []string
	// Max caps the containers reported per pass; 0 is DefaultMaxContainers.
	Max int
	// Logger hears once that the cap cut the list.
	Logger *slog.Logger
}

// containerName is how a container is labelled.
type containerName struct {
	name, image string
	resolved    bool      // named by an engine, not by its id
	askedAt     time.Time // when the engines were last asked for it
}

// askAgain is how long an id no engine named waits before the engines are
// asked again (a Podman container without the API socket stays unnamed).
const askAgain = time.Minute

// containerReader reads every container's cgroup each pass.
type containerReader struct {
	opts      ContainerOptions
	names     map[string]containerName
	warnedCap bool
}

func newContainerReader(opts ContainerOptions) *containerReader {
	if opts.Max <= 0 {
		opts.Max = DefaultMaxContainers
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &containerReader{opts: opts, names: map[string]containerName{}}
}

// CgroupV2 reports whether root is a cgroup v2 mount, the only kind
// container metrics are read from.
func CgroupV2(root string) bool {
	_, err := os.Stat(filepath.Join(root, "cgroup.controllers"))
	return err == nil
}

// WithContainers makes c also report per-container series (see
// containers in the package comment).
func (c *Collector) WithContainers(opts ContainerOptions) *Collector {
	c.containers = newContainerReader(opts)
	return c
}

func (c *Collector) readContainers(ctx context.Context, s *series) error {
	if c.containers == nil {
		return nil
	}
	return c.containers.read(ctx, s, c.counters)
}

// read appends the series of up to Max containers, ordered by id.
func (r *containerReader) read(ctx context.Context, s *series, counters *Counters) error {
	found, err := findContainers(r.opts.CgroupRoot)
	if err != nil {
		return err
	}
	slices.SortFunc(found, func(a, b cgroupContainer) int { return strings.Compare(a.id, b.id) })
	if len(found) > r.opts.Max {
		if !r.warnedCap {
			r.opts.Logger.Warn("more containers than the agent reports; the rest are left out",
				"containers", len(found), "reported", r.opts.Max)
			r.warnedCap = true
		}
		found = found[:r.opts.Max]
	}
	r.resolveNames(ctx, found)
	for _, ct := range found {
		st, err := readCgroupStats(ct.dir)
		if err != nil {
			continue // the container stopped while read
		}
		n := r.names[ct.id]
		labels := []string{"container", n.name}
		if n.image != "" {
			labels = append(labels, "image", n.image)
		}
		key := "\x00container\x00" + ct.id + "\x00"
		s.add("container_cpu_seconds_total", counters.Observe(key+"cpu", st.cpuUsec)/1e6, labels...)
		s.add("container_memory_bytes", float64(st.memoryBytes), labels...)
		if st.hasIO {
			s.add("container_blkio_read_bytes_total", counters.Observe(key+"rbytes", st.readBytes), labels...)
			s.add("container_blkio_write_bytes_total", counters.Observe(key+"wbytes", st.writeBytes), labels...)
		}
		if pid := firstProc(ct.dir); pid > 0 && !sharesHostNetwork(r.opts.Proc, pid) {
			if rx, tx, err := netBytes(r.opts.Proc, pid); err == nil {
				s.add("container_network_receive_bytes_total", counters.Observe(key+"rx", rx), labels...)
				s.add("container_network_transmit_bytes_total", counters.Observe(key+"tx", tx), labels...)
			}
		}
	}
	r.forget(found)
	return nil
}

// resolveNames asks the engines for names and images when a container is
// new, or unnamed for askAgain; an id no engine knows is named by its
// first 12 digits, as docker ps shows it.
func (r *containerReader) resolveNames(ctx context.Context, found []cgroupContainer) {
	now := time.Now()
	ask := false
	for _, ct := range found {
		n, ok := r.names[ct.id]
		if !ok || !n.resolved && now.Sub(n.askedAt) >= askAgain {
			ask = true
			break
		}
	}
	if !ask {
		return
	}
	for _, sock := range r.opts.Sockets {
		if _, err := os.Stat(sock); err != nil {
			continue
		}
		list, err := dockerapi.List(ctx, sock, false)
		if err != nil {
			r.opts.Logger.Debug("cannot name containers", "socket", sock, "err", err)
			continue
		}
		for _, c := range list {
			if c.Name() != "" {
				r.names[c.ID] = containerName{name: c.Name(), image: c.Image, resolved: true}
			}
		}
	}
	for _, ct := range found {
		if n, ok := r.names[ct.id]; !ok || !n.resolved {
			r.names[ct.id] = containerName{name: ct.id[:12], askedAt: now}
		}
	}
}

// forget drops the names of containers gone from the cgroup tree.
func (r *containerReader) forget(found []cgroupContainer) {
	live := make(map[string]bool, len(found))
	for _, ct := range found {
		live[ct.id] = true
	}
	for id := range r.names {
		if !live[id] {
			delete(r.names, id)
		}
	}
}
