package vuln

import (
	"os"
	"path/filepath"
	"testing"
)

func testdataRecords(t *testing.T) []Record {
	t.Helper()
	files, err := filepath.Glob("testdata/osv/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no OSV test data: %v", err)
	}
	var out []Record
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := DecodeRecord(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, r)
	}
	return out
}

func findingsByPackage(fs []Finding) map[string]Finding {
	out := map[string]Finding{}
	for _, f := range fs {
		out[f.Package+" "+f.CVE] = f
	}
	return out
}

// TestMatchUsesTheDistributionsFixedVersions: the OSV subset holds
// Debian's own fixed versions per release and an upstream-shaped range;
// the release's entries decide, so a backported fix is not reported.
func TestMatchUsesTheDistributionsFixedVersions(t *testing.T) {
	ix := NewIndex(1, testdataRecords(t))
	debian, ok := TargetOf("debian", "12.7")
	if !ok {
		t.Fatal("debian 12 has no target")
	}
	got := findingsByPackage(ix.Match(debian, []Package{
		// Backport: Debian 12 fixed CVE-2023-5678 in 3.0.11-1~deb12u2; upstream's range (< 3.0.13-1) would match.
		{Name: "libssl3", Version: "3.0.11-1~deb12u2", Arch: "amd64", Source: "openssl"},
		// Fixed: glibc 2.36-9+deb12u3 fixed CVE-2023-4911.
		{Name: "libc6", Version: "2.36-9+deb12u4", Arch: "amd64", Source: "glibc"},
		// Affected: openssh before 1:9.2p1-2+deb12u3, the epoch included.
		{Name: "openssh-server", Version: "1:9.2p1-2+deb12u2", Arch: "amd64", Source: "openssh"},
		{Name: "libcurl4", Version: "7.88.1-10+deb12u1", Arch: "amd64", Source: "curl"},
		// No fix known: zlib has only an introduced event.
		{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Arch: "amd64", Source: "zlib"},
	}))
	if f, ok := got["libssl3 CVE-2023-5678"]; ok {
		t.Errorf("backported fix reported: %+v", f)
	}
	if f, ok := got["libc6 CVE-2023-4911"]; ok {
		t.Errorf("fixed version reported: %+v", f)
	}
	ssh, ok := got["openssh-server CVE-2024-6387"]
	if !ok || ssh.Fixed != "1:9.2p1-2+deb12u3" || ssh.Severity != SeverityHigh || ssh.Score == nil || *ssh.Score != 8.1 {
		t.Errorf("openssh finding = %+v, %v", ssh, ok)
	}
	if curl := got["libcurl4 CVE-2023-38545"]; curl.Severity != SeverityCritical || curl.Source != "curl" {
		t.Errorf("curl finding = %+v", curl)
	}
	if z, ok := got["zlib1g CVE-2023-45853"]; !ok || z.Fixed != "" {
		t.Errorf("zlib finding = %+v, %v", z, ok)
	}
	if len(got) != 3 {
		t.Errorf("findings = %v, want 3", got)
	}

	// The same packages on Debian 11 match nothing of Debian 12's data, and
	// the release-less range decides for openssl there (no Debian:11 entry
	// for this installed version's release is missing, so 11's own wins).
	bullseye, _ := TargetOf("debian", "11.9")
	old := findingsByPackage(ix.Match(bullseye, []Package{{Name: "openssl", Version: "1.1.1w-0+deb11u1"}}))
	if f := old["openssl CVE-2023-5678"]; f.Fixed != "1.1.1w-0+deb11u2" {
		t.Errorf("debian 11 openssl = %+v", f)
	}
	// A release with no entry of its own falls back to the family range.
	trixie, _ := TargetOf("debian", "13")
	if f := findingsByPackage(ix.Match(trixie, []Package{{Name: "openssl", Version: "3.0.12-1"}}))["openssl CVE-2023-5678"]; f.Fixed != "3.0.13-1" {
		t.Errorf("debian 13 openssl falls back to %+v", f)
	}
}

func TestMatchRPMAndApk(t *testing.T) {
	ix := NewIndex(1, testdataRecords(t))
	rocky, _ := TargetOf("rocky", "9.3")
	got := findingsByPackage(ix.Match(rocky, []Package{
		{Name: "openssl-libs", Version: "1:3.0.7-24.el9", Arch: "x86_64"},
		{Name: "openssl", Version: "1:3.0.7-25.el9_3", Arch: "x86_64"},
	}))
	if f, ok := got["openssl-libs CVE-2023-5678"]; !ok || f.Fixed != "1:3.0.7-25.el9_3" || f.Severity != SeverityMedium || f.RecordID != "RLSA-2024:0310" {
		t.Errorf("rocky openssl-libs = %+v, %v", f, ok)
	}
	if _, ok := got["openssl CVE-2023-5678"]; ok || len(got) != 1 {
		t.Errorf("rocky findings = %v, want openssl-libs only", got)
	}
	alpine, _ := TargetOf("alpine", "3.19.1")
	apk := findingsByPackage(ix.Match(alpine, []Package{{Name: "libssl3", Source: "openssl", Version: "3.1.4-r5"}, {Name: "openssl", Version: "3.1.4-r6"}}))
	if f, ok := apk["libssl3 CVE-2024-2511"]; !ok || f.Fixed != "3.1.4-r6" || f.Severity != SeverityHigh {
		t.Errorf("alpine libssl3 = %+v, %v", f, ok)
	}
	if len(apk) != 1 {
		t.Errorf("alpine findings = %v", apk)
	}
}

func TestRangesFollowOSVRules(t *testing.T) {
	ix := NewIndex(1, []Record{{ID: "X-1", CVE: "CVE-1", Severity: SeverityLow, Affected: []Affected{{
		Ecosystem: "Debian:12", Package: "p",
		Ranges: [][]Event{
			{{Fixed: "2.0"}, {Introduced: "1.0"}, {Introduced: "3.0"}, {Fixed: "4.0"}}, // unsorted on purpose
			{{Introduced: "5.0"}, {LastAffected: "5.5"}},
		},
		Versions: []string{"0.5"},
	}}}})
	tgt, _ := TargetOf("debian", "12")
	for v, want := range map[string]string{"0.9": "-", "0.5": "", "1.0": "2.0", "1.9": "2.0", "2.0": "-", "3.5": "4.0", "4.0": "-", "5.5": "", "5.6": "-"} {
		fs := ix.Match(tgt, []Package{{Name: "p", Version: v}})
		switch {
		case want == "-" && len(fs) != 0:
			t.Errorf("%s: matched %+v, want none", v, fs)
		case want != "-" && (len(fs) != 1 || fs[0].Fixed != want):
			t.Errorf("%s: %+v, want fixed %q", v, fs, want)
		}
	}
}
