package inventory

import (
	"context"
	"os"
	"runtime"
	"strings"

	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"

	"github.com/monsys/monsys/wire"
)

func collectHost(ctx context.Context, src Source) (any, error) {
	ctx = context.WithValue(ctx, common.EnvKey, common.EnvMap{
		common.HostProcEnvKey: src.proc(), common.HostEtcEnvKey: src.path("/etc"), common.HostSysEnvKey: src.path("/sys"),
	})
	osr := keyValues(src.path("/etc/os-release"))
	if len(osr) == 0 {
		osr = keyValues(src.path("/usr/lib/os-release"))
	}
	h := wire.HostInfo{OS: "linux", Arch: runtime.GOARCH, Platform: osr["ID"], PlatformVersion: osr["VERSION_ID"],
		MachineID: MachineID(src.Root)}
	if b, err := os.ReadFile(src.path("/etc/hostname")); err == nil {
		h.Hostname = strings.TrimSpace(string(b))
	}
	if src.live() || h.Hostname == "" {
		if name, err := os.Hostname(); err == nil && src.live() {
			h.Hostname = name
		}
	}
	if b, err := os.ReadFile(src.proc() + "/sys/kernel/osrelease"); err == nil {
		h.KernelVersion = strings.TrimSpace(string(b))
	}
	if infos, err := cpu.InfoWithContext(ctx); err == nil && len(infos) > 0 {
		h.CPUModel = infos[0].ModelName
	}
	if n, err := cpu.CountsWithContext(ctx, true); err == nil {
		h.CPUCores = n
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		h.MemoryBytes = vm.Total
	}
	if boot, err := host.BootTimeWithContext(ctx); err == nil {
		h.BootTime = int64(boot)
	}
	if v, role, err := host.VirtualizationWithContext(ctx); err == nil && role == "guest" {
		h.Virtualization = v
	}
	return h, nil
}

// MachineID is the systemd machine id under root, or "" when the machine
// has none.
func MachineID(root string) string {
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		if b, err := os.ReadFile(root + p); err == nil {
			if id := strings.TrimSpace(string(b)); id != "" {
				return id
			}
		}
	}
	return ""
}
