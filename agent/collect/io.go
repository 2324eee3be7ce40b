package collect

import (
	"context"
	"strings"

	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/net"
)

// pseudoFS are filesystem types that hold no user data; their mounts are
// not reported even when /proc/filesystems lists them as device-backed.
var pseudoFS = map[string]bool{
	"autofs": true, "binfmt_misc": true, "bpf": true, "cgroup": true, "cgroup2": true, "configfs": true,
	"debugfs": true, "devpts": true, "devtmpfs": true, "efivarfs": true, "fusectl": true, "hugetlbfs": true,
	"mqueue": true, "nsfs": true, "overlay": true, "proc": true, "pstore": true, "ramfs": true, "rpc_pipefs": true,
	"securityfs": true, "squashfs": true, "sysfs": true, "tmpfs": true, "tracefs": true, "fuse.lxcfs": true,
	"fuse.portal": true, "nfsd": true, "selinuxfs": true,
}

// filesystems reports size, use and inodes per mount of a real
// filesystem; a mount counted once per device (bind mounts skipped).
func (c *Collector) filesystems(ctx context.Context, s *series) error {
	parts, err := disk.PartitionsWithContext(ctx, false)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, p := range parts {
		if pseudoFS[p.Fstype] || seen[p.Device] || strings.HasPrefix(p.Mountpoint, "/snap/") {
			continue
		}
		u, err := disk.UsageWithContext(ctx, p.Mountpoint)
		if err != nil || u.Total == 0 {
			continue // unreadable or gone since the mount table was read
		}
		seen[p.Device] = true
		l := []string{"mountpoint", p.Mountpoint, "device", p.Device, "fstype", p.Fstype}
		s.add("filesystem_size_bytes", float64(u.Total), l...)
		s.add("filesystem_used_bytes", float64(u.Used), l...)
		s.add("filesystem_avail_bytes", float64(u.Free), l...)
		s.add("filesystem_used_ratio", u.UsedPercent/100, l...)
		if u.InodesTotal > 0 {
			s.add("filesystem_files", float64(u.InodesTotal), l...)
			s.add("filesystem_files_free", float64(u.InodesFree), l...)
			s.add("filesystem_files_used_ratio", float64(u.InodesTotal-u.InodesFree)/float64(u.InodesTotal), l...)
		}
	}
	return nil
}

// disks reports I/O counters per block device (loop and ram devices
// left out); gopsutil has already turned sectors into bytes.
func (c *Collector) disks(ctx context.Context, s *series) error {
	io, err := disk.IOCountersWithContext(ctx)
	if err != nil {
		return err
	}
	for name, d := range io {
		if strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "ram") {
			continue
		}
		k := c.counters
		s.counter(k, "disk_read_bytes_total", d.ReadBytes, "device", name)
		s.counter(k, "disk_written_bytes_total", d.WriteBytes, "device", name)
		s.counter(k, "disk_reads_completed_total", d.ReadCount, "device", name)
		s.counter(k, "disk_writes_completed_total", d.WriteCount, "device", name)
		s.add("disk_io_time_seconds_total", k.Observe("disk_io_time\x00"+name, d.IoTime)/1000, "device", name)
	}
	return nil
}

// network reports traffic counters per interface.
func (c *Collector) network(ctx context.Context, s *series) error {
	nics, err := net.IOCountersWithContext(ctx, true)
	if err != nil {
		return err
	}
	k := c.counters
	for _, n := range nics {
		l := []string{"interface", n.Name}
		s.counter(k, "network_receive_bytes_total", n.BytesRecv, l...)
		s.counter(k, "network_transmit_bytes_total", n.BytesSent, l...)
		s.counter(k, "network_receive_packets_total", n.PacketsRecv, l...)
		s.counter(k, "network_transmit_packets_total", n.PacketsSent, l...)
		s.counter(k, "network_receive_errors_total", n.Errin, l...)
		s.counter(k, "network_transmit_errors_total", n.Errout, l...)
		s.counter(k, "network_receive_drop_total", n.Dropin, l...)
		s.counter(k, "network_transmit_drop_total", n.Dropout, l...)
	}
	return nil
}
