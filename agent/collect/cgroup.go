package collect

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cgroupContainer is a container's cgroup found under the cgroup v2 root.
type cgroupContainer struct {
	id      string // the engine's 64-hex container id
	runtime string // docker or podman
	dir     string
}

// maxCgroupDepth bounds the walk: rootless Podman's scopes sit at
// user.slice/user-1000.slice/user@1000.service/user.slice/libpod-<id>.scope.
const maxCgroupDepth = 8

// findContainers walks the cgroup v2 tree under root for container
// cgroups: systemd's docker-<id>.scope and libpod-<id>.scope, and the
// cgroupfs driver's docker/<id> and libpod_parent/libpod-<id>. Podman's
// conmon scopes (libpod-conmon-<id>.scope) are the monitor, not the
// container, and are skipped.
func findContainers(root string) ([]cgroupContainer, error) {
	var out []cgroupContainer
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return nil // a cgroup that vanished while walked
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path) // path is under root
		if rel != "." && strings.Count(rel, string(filepath.Separator))+1 > maxCgroupDepth {
			return filepath.SkipDir
		}
		if c, ok := containerOfCgroup(path, d.Name(), filepath.Base(filepath.Dir(path))); ok {
			out = append(out, c)
			return filepath.SkipDir // nested cgroups are the same container
		}
		return nil
	})
	return out, err
}

// containerOfCgroup recognizes a container cgroup by its name (and, for
// Docker's cgroupfs driver, its parent's).
func containerOfCgroup(dir, name, parent string) (cgroupContainer, bool) {
	for _, form := range []struct{ prefix, suffix, runtime string }{
		{"docker-", ".scope", "docker"},
		{"libpod-", ".scope", "podman"},
		{"libpod-", "", "podman"},
	} {
		id, ok := strings.CutPrefix(name, form.prefix)
		if !ok {
			continue
		}
		if id, ok = strings.CutSuffix(id, form.suffix); ok && isContainerID(id) {
			return cgroupContainer{id: id, runtime: form.runtime, dir: dir}, true
		}
	}
	if parent == "docker" && isContainerID(name) {
		return cgroupContainer{id: name, runtime: "docker", dir: dir}, true
	}
	return cgroupContainer{}, false
}

// isContainerID is 64 lower-case hex digits, as Docker and Podman make.
func isContainerID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// cgroupStats is one reading of a container's cgroup files.
type cgroupStats struct {
	cpuUsec     uint64 // cpu.stat usage_usec
	memoryBytes uint64 // memory.current less memory.stat inactive_file, as docker stats shows
	readBytes   uint64 // io.stat rbytes, every device
	writeBytes  uint64 // io.stat wbytes
	hasIO       bool
}

// readCgroupStats reads cpu.stat, memory.current, memory.stat and io.stat
// of dir. CPU and memory are required; io.stat is absent when the io
// controller is not enabled for the cgroup.
func readCgroupStats(dir string) (cgroupStats, error) {
	var st cgroupStats
	cpu, err := keyedValues(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return st, err
	}
	st.cpuUsec = cpu["usage_usec"]
	b, err := os.ReadFile(filepath.Join(dir, "memory.current"))
	if err != nil {
		return st, err
	}
	if st.memoryBytes, err = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err != nil {
		return st, err
	}
	if mem, err := keyedValues(filepath.Join(dir, "memory.stat")); err == nil && mem["inactive_file"] < st.memoryBytes {
		st.memoryBytes -= mem["inactive_file"]
	}
	st.readBytes, st.writeBytes, st.hasIO, err = ioBytes(filepath.Join(dir, "io.stat"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return st, err
	}
	return st, nil
}

// keyedValues parses "key value" lines (cpu.stat, memory.stat).
func keyedValues(path string) (map[string]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok {
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	return out, nil
}

// ioBytes sums rbytes and wbytes over the devices of io.stat, whose lines
// read "8:0 rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…".
func ioBytes(path string) (read, write uint64, ok bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, false, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		for _, f := range fields[min(1, len(fields)):] {
			k, v, _ := strings.Cut(f, "=")
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue
			}
			switch k {
			case "rbytes":
				read += n
			case "wbytes":
				write += n
			}
		}
	}
	return read, write, true, nil
}

// firstProc is a process in the cgroup (cgroup.procs) or, when it has
// none, in a child cgroup (Podman's --systemd containers run in a nested
// "container" cgroup); 0 when none.
func firstProc(dir string) int {
	if pid := procOf(dir); pid > 0 {
		return pid
	}
	children, _ := os.ReadDir(dir) // none: no process
	for _, c := range children {
		if c.IsDir() {
			if pid := procOf(filepath.Join(dir, c.Name())); pid > 0 {
				return pid
			}
		}
	}
	return 0
}

func procOf(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0
	}
	return pid
}

// netBytes sums received and transmitted bytes over the interfaces of
// procRoot/<pid>/net/dev other than lo: the container's network
// namespace seen through one of its processes.
func netBytes(procRoot string, pid int) (rx, tx uint64, err error) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "net", "dev"))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 9 {
			continue // the two header lines
		}
		r, err1 := strconv.ParseUint(f[0], 10, 64)
		t, err2 := strconv.ParseUint(f[8], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		rx += r
		tx += t
	}
	return rx, tx, nil
}

// sharesHostNetwork reports whether pid is in the network namespace of
// procRoot/1 (docker run --network host): its net/dev would be the host's
// traffic, not the container's.
func sharesHostNetwork(procRoot string, pid int) bool {
	own, err1 := os.Readlink(filepath.Join(procRoot, strconv.Itoa(pid), "ns", "net"))
	host, err2 := os.Readlink(filepath.Join(procRoot, "1", "ns", "net"))
	return err1 == nil && err2 == nil && own == host
}
