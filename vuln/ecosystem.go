package vuln

import (
	"strings"

	"github.com/monsys/monsys/pkgversion"
)

// Target is what a host's packages are matched against: the OSV
// ecosystems of its distribution release, which carry the distribution's
// own fixed-in versions (backports included), and the distribution's
// release-less ecosystem, used for a record only when it names no entry for
// the release.
type Target struct {
	Family   string   // "Debian", "Ubuntu", "Alpine", "Rocky Linux", "AlmaLinux", "Red Hat"
	Releases []string // exact ecosystem names of the release
	Prefix   string   // ecosystems starting with it are the release's too (Red Hat's streams)
	System   pkgversion.System
}

// Name is the release's first ecosystem name, as findings report it.
func (t Target) Name() string {
	if len(t.Releases) > 0 {
		return t.Releases[0]
	}
	return t.Family
}

// IsRelease says whether an OSV ecosystem is the target's release.
func (t Target) IsRelease(eco string) bool {
	for _, r := range t.Releases {
		if eco == r {
			return true
		}
	}
	return t.Prefix != "" && strings.HasPrefix(eco, t.Prefix)
}

// TargetOf maps a host inventory's platform and platform version (as the
// agent reports them: "debian" "12.7", "ubuntu" "22.04", "alpine"
// "3.19.1", "rocky" "9.3") to its OSV ecosystems. ok is false for a
// platform monsys has no vulnerability data rules for.
func TargetOf(platform, version string) (Target, bool) {
	major, _, _ := strings.Cut(version, ".")
	majorMinor := version
	if parts := strings.SplitN(version, ".", 3); len(parts) >= 2 {
		majorMinor = parts[0] + "." + parts[1]
	}
	if major == "" || !isNumber(major) {
		return Target{}, false
	}
	switch strings.ToLower(platform) {
	case "debian":
		return Target{Family: "Debian", Releases: []string{"Debian:" + major}, System: pkgversion.Dpkg}, true
	case "ubuntu":
		return Target{Family: "Ubuntu", Releases: []string{"Ubuntu:" + majorMinor + ":LTS", "Ubuntu:" + majorMinor},
			System: pkgversion.Dpkg}, true
	case "alpine":
		return Target{Family: "Alpine", Releases: []string{"Alpine:v" + majorMinor}, System: pkgversion.Apk}, true
	case "rocky":
		return Target{Family: "Rocky Linux", Releases: []string{"Rocky Linux:" + major}, System: pkgversion.RPM}, true
	case "almalinux":
		return Target{Family: "AlmaLinux", Releases: []string{"AlmaLinux:" + major}, System: pkgversion.RPM}, true
	case "redhat", "rhel":
		return Target{Family: "Red Hat", Releases: []string{"Red Hat:enterprise_linux:" + major},
			Prefix: "Red Hat:enterprise_linux:" + major + ":", System: pkgversion.RPM}, true
	}
	return Target{}, false
}

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
