package inventory

import (
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/monsys/monsys/wire"
)

// maxDNAItems bounds each list of a machine's DNA.
const maxDNAItems = 32

// collectDNA reads the machine's identifying facts under the source's
// root. Each fact is best effort: a missing file leaves it empty.
func collectDNA(src Source) *wire.HostDNA {
	d := &wire.HostDNA{
		ProductUUID:     strings.ToLower(readTrim(src.path("/sys/class/dmi/id/product_uuid"))),
		ProductSerial:   usableSerial(readTrim(src.path("/sys/class/dmi/id/product_serial"))),
		BoardSerial:     usableSerial(readTrim(src.path("/sys/class/dmi/id/board_serial"))),
		BootID:          readTrim(src.proc() + "/sys/kernel/random/boot_id"),
		CloudInstanceID: readTrim(src.path("/var/lib/cloud/data/instance-id")),
		DiskSerials:     diskSerials(src),
		MACs:            physicalMACs(src),
		SSHHostKeys:     sshHostKeyFingerprints(src),
	}
	if d.CloudInstanceID == "iid-datasource-none" {
		d.CloudInstanceID = "" // cloud-init without a cloud
	}
	return d
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// usableSerial drops the placeholders firmware vendors fill serials with.
func usableSerial(s string) string {
	switch strings.ToLower(s) {
	case "", "0", "none", "not specified", "to be filled by o.e.m.", "default string", "system serial number", "0123456789":
		return ""
	}
	return s
}

// diskSerials are the serials of whole block devices (sd*, nvme*n*, vd*
// with one), from sysfs.
func diskSerials(src Source) []string {
	var out []string
	devs, _ := os.ReadDir(src.path("/sys/block"))
	for _, d := range devs {
		name := d.Name()
		if strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "ram") || strings.HasPrefix(name, "dm-") || strings.HasPrefix(name, "zram") {
			continue
		}
		base := src.path("/sys/block/" + name)
		s := readTrim(filepath.Join(base, "device", "serial"))
		if s == "" {
			s = readTrim(filepath.Join(base, "serial"))
		}
		if s = usableSerial(s); s != "" && len(out) < maxDNAItems {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// physicalMACs are the permanent addresses of interfaces backed by a
// device (sysfs has device/ for them; bridges, veths and tunnels have
// none).
func physicalMACs(src Source) []string {
	var out []string
	ifaces, _ := os.ReadDir(src.path("/sys/class/net"))
	for _, ifc := range ifaces {
		base := src.path("/sys/class/net/" + ifc.Name())
		if _, err := os.Stat(filepath.Join(base, "device")); err != nil {
			continue
		}
		mac := strings.ToLower(readTrim(filepath.Join(base, "address")))
		if mac == "" || mac == "00:00:00:00:00:00" || len(out) >= maxDNAItems {
			continue
		}
		out = append(out, mac)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sshHostKeyFingerprints are the SHA256 fingerprints of the host's public
// keys, as ssh-keygen -l prints them.
func sshHostKeyFingerprints(src Source) []string {
	paths, _ := filepath.Glob(src.path("/etc/ssh") + "/ssh_host_*_key.pub")
	var out []string
	for _, p := range paths {
		fields := strings.Fields(readTrim(p))
		if len(fields) < 2 {
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil {
			continue
		}
		sum := sha256.Sum256(blob)
		out = append(out, "SHA256:"+base64.RawStdEncoding.EncodeToString(sum[:]))
	}
	slices.Sort(out)
	return out
}
