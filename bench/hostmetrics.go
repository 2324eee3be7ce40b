package bench

import "strconv"

// Kind says how a simulated series moves.
type Kind uint8

// Kinds of series.
const (
	Gauge   Kind = iota // wanders around a level
	Ratio               // in [0, 1]
	Counter             // only grows
)

// SeriesSpec is one series of a simulated host.
type SeriesSpec struct {
	Name   string
	Labels map[string]string
	Kind   Kind
}

var cpuModes = []string{"user", "system", "idle", "iowait", "irq", "softirq", "steal", "nice"}

// HostSeries returns the first n series a Linux host agent reports, in a
// fixed order: load, memory and process gauges first, then per CPU the
// time by mode, per mount the filesystem sizes, per interface the network
// counters and per disk the I/O counters, adding CPUs, mounts, interfaces
// and disks round by round until there are n.
func HostSeries(n int) []SeriesSpec {
	out := make([]SeriesSpec, 0, n)
	add := func(name string, k Kind, kv ...string) bool {
		if len(out) == n {
			return false
		}
		labels := make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			labels[kv[i]] = kv[i+1]
		}
		out = append(out, SeriesSpec{Name: name, Labels: labels, Kind: k})
		return true
	}
	for _, g := range []string{"load1", "load5", "load15"} {
		add("node_"+g, Gauge)
	}
	for _, m := range []string{"total", "available", "used", "cached", "buffers", "swap_used"} {
		add("memory_"+m+"_bytes", Gauge)
	}
	add("processes_running", Gauge)
	add("processes_total", Gauge)
	add("cpu_usage_ratio", Ratio, "cpu", "all")
	for r := 0; len(out) < n; r++ {
		cpu := strconv.Itoa(r)
		for _, mode := range cpuModes {
			add("cpu_seconds_total", Counter, "cpu", cpu, "mode", mode)
		}
		add("cpu_usage_ratio", Ratio, "cpu", cpu)
		mount, dev := mountOf(r)
		for _, m := range []string{"size", "used", "avail"} {
			add("filesystem_"+m+"_bytes", Gauge, "mountpoint", mount, "device", dev, "fstype", "ext4")
		}
		add("filesystem_inodes_free", Gauge, "mountpoint", mount, "device", dev, "fstype", "ext4")
		iface := "eth" + cpu
		for _, dir := range []string{"receive", "transmit"} {
			for _, what := range []string{"bytes", "packets", "errors", "drops"} {
				add("network_"+dir+"_"+what+"_total", Counter, "interface", iface)
			}
		}
		disk := "sd" + string(rune('a'+r%26)) + suffix(r/26)
		for _, m := range []string{"read_bytes", "written_bytes", "reads_completed", "writes_completed", "io_time_seconds"} {
			add("disk_"+m+"_total", Counter, "device", disk)
		}
	}
	return out
}

func mountOf(r int) (mount, dev string) {
	switch r {
	case 0:
		return "/", "/dev/nvme0n1p2"
	case 1:
		return "/boot", "/dev/nvme0n1p1"
	case 2:
		return "/var", "/dev/nvme0n1p3"
	default:
		return "/srv/data" + strconv.Itoa(r), "/dev/vd" + strconv.Itoa(r)
	}
}

func suffix(i int) string {
	if i == 0 {
		return ""
	}
	return strconv.Itoa(i)
}
