package collect

import (
	"context"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
)

// cpu reports the share of time per mode since the previous pass
// (cpu_mode_ratio{mode}) and the share not idle (cpu_usage_ratio{cpu="all"}).
// The first pass has no previous reading and reports only cpu_count.
func (c *Collector) cpu(ctx context.Context, s *series) error {
	times, err := cpu.TimesWithContext(ctx, false)
	if err != nil {
		return err
	}
	if n, err := cpu.CountsWithContext(ctx, true); err == nil {
		s.add("cpu_count", float64(n))
	}
	if len(times) == 0 {
		return nil
	}
	cur := times[0]
	prev := c.prevCPU
	c.prevCPU = &cur
	if prev == nil {
		return nil
	}
	modes := [...]struct {
		name      string
		cur, prev float64
	}{
		{"user", cur.User - cur.Guest, prev.User - prev.Guest},
		{"nice", cur.Nice - cur.GuestNice, prev.Nice - prev.GuestNice},
		{"system", cur.System, prev.System},
		{"idle", cur.Idle, prev.Idle},
		{"iowait", cur.Iowait, prev.Iowait},
		{"irq", cur.Irq, prev.Irq},
		{"softirq", cur.Softirq, prev.Softirq},
		{"steal", cur.Steal, prev.Steal},
		{"guest", cur.Guest + cur.GuestNice, prev.Guest + prev.GuestNice},
	}
	var total float64
	deltas := make([]float64, len(modes))
	for i, m := range modes {
		d := m.cur - m.prev
		if d < 0 { // counters went back (reboot, hotplug): skip this pass
			return nil
		}
		deltas[i] = d
		total += d
	}
	if total <= 0 {
		return nil
	}
	for i, m := range modes {
		s.add("cpu_mode_ratio", deltas[i]/total, "cpu", "all", "mode", m.name)
	}
	s.add("cpu_usage_ratio", 1-(deltas[3]+deltas[4])/total, "cpu", "all")
	return nil
}

func (c *Collector) load(ctx context.Context, s *series) error {
	avg, err := load.AvgWithContext(ctx)
	if err != nil {
		return err
	}
	s.add("load1", avg.Load1)
	s.add("load5", avg.Load5)
	s.add("load15", avg.Load15)
	// Per logical CPU, so one threshold fits every size of host (the
	// default rule "load per core ≥ 2").
	if n, err := cpu.CountsWithContext(ctx, true); err == nil && n > 0 {
		s.add("load1_per_cpu", avg.Load1/float64(n))
		s.add("load5_per_cpu", avg.Load5/float64(n))
		s.add("load15_per_cpu", avg.Load15/float64(n))
	}
	if misc, err := load.MiscWithContext(ctx); err == nil {
		s.add("processes_running", float64(misc.ProcsRunning))
		s.add("processes_blocked", float64(misc.ProcsBlocked))
		s.counter(c.counters, "context_switches_total", uint64(misc.Ctxt))
	}
	return nil
}

func (c *Collector) memory(ctx context.Context, s *series) error {
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return err
	}
	s.add("memory_total_bytes", float64(vm.Total))
	s.add("memory_available_bytes", float64(vm.Available))
	s.add("memory_used_bytes", float64(vm.Total-vm.Available))
	s.add("memory_free_bytes", float64(vm.Free))
	s.add("memory_buffers_bytes", float64(vm.Buffers))
	s.add("memory_cached_bytes", float64(vm.Cached))
	if vm.Total > 0 {
		s.add("memory_used_ratio", float64(vm.Total-vm.Available)/float64(vm.Total))
	}
	// Swap sizes from meminfo (gopsutil's SwapMemory asks sysinfo(2),
	// which ignores the proc path); paging counters from vmstat.
	s.add("swap_total_bytes", float64(vm.SwapTotal))
	s.add("swap_used_bytes", float64(vm.SwapTotal-vm.SwapFree))
	if vm.SwapTotal > 0 {
		s.add("swap_used_ratio", float64(vm.SwapTotal-vm.SwapFree)/float64(vm.SwapTotal))
	}
	sw, err := mem.SwapMemoryWithContext(ctx)
	if err != nil {
		return err
	}
	s.counter(c.counters, "swap_in_bytes_total", sw.Sin)
	s.counter(c.counters, "swap_out_bytes_total", sw.Sout)
	return nil
}

// host reports the boot time and the uptime derived from it, both read
// from the stat file so fixtures decide them.
func (c *Collector) host(ctx context.Context, s *series) error {
	boot, err := host.BootTimeWithContext(ctx)
	if err != nil {
		return err
	}
	s.add("system_boot_time_seconds", float64(boot))
	s.add("system_uptime_seconds", max(0, float64(s.t/1000)-float64(boot)))
	return nil
}
