// Package collect reads host metrics each interval and turns them into
// wire.Metric series in Prometheus naming and base units: CPU by mode
// (ratios from time deltas), load, memory and swap, filesystems per mount
// (pseudo filesystems skipped), disk I/O per device, network per
// interface, uptime, process counts and the top processes.
//
// WithContainers adds per-container series of Docker and Podman containers
// (container_* with labels container and image) read from the cgroup v2
// tree (cgroup.go: which cgroups are containers, and their cpu.stat,
// memory.current, io.stat) and each container's /proc/<pid>/net/dev, named
// through the Docker Engine API (agent/dockerapi) where a socket answers,
// else by the id's first 12 digits; at most ContainerOptions.Max a pass.
//
// Counters (names ending in _total) are kept monotonic across wrap and
// reset by Counters: a 32- or 64-bit wrap adds the distance to the limit,
// any other decrease (device re-added, counter cleared) counts from zero.
//
// A Collector is owned by one goroutine: Collect is not safe for
// concurrent use, because it keeps the previous reading to compute deltas.
// Paths come from the context keys of gopsutil (common.EnvKey) and from
// Root, so tests point it at fixture /proc, /sys and /etc trees.
package collect
