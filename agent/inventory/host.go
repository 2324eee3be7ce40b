package inventory

import (
	"context"
	"net"
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
	if src.live() {
		h.Addresses = primaryAddresses()
	}
	h.DNA = collectDNA(src)
	return h, nil
}

// maxAddresses bounds HostInfo.Addresses.
const maxAddresses = 8

// virtualInterfaces are name prefixes of container, bridge and tunnel
// interfaces, whose addresses do not say where the machine is.
var virtualInterfaces = []string{"docker", "br-", "veth", "virbr", "cni", "flannel", "cali", "vxlan", "tun", "tap", "lxc", "podman"}

// primaryAddresses lists the global unicast addresses of the machine's
// interfaces that are up, loopback and virtual interfaces left out.
func primaryAddresses() []string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil // no addresses is what the facts then say
	}
	var out []string
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 || isVirtual(ifc.Name) {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsGlobalUnicast() && len(out) < maxAddresses {
				out = append(out, ipn.IP.String())
			}
		}
	}
	return out
}

func isVirtual(name string) bool {
	for _, p := range virtualInterfaces {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
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
