package inventory

import (
	"strings"
	"testing"
)

// Distributions' vulnerability data names source packages: the collector
// keeps dpkg's Source: and apk's origin where they differ from the name.
func TestPackagesKeepTheirSourcePackage(t *testing.T) {
	dpkg := "Package: libc6\nStatus: install ok installed\nSource: glibc (2.36-9+deb12u4)\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\n\n" +
		"Package: curl\nStatus: install ok installed\nVersion: 7.88.1-10+deb12u5\nArchitecture: amd64\n\n" +
		"Package: openssl\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n"
	pkgs, err := ParsePackages("dpkg", strings.NewReader(dpkg))
	if err != nil || len(pkgs) != 3 {
		t.Fatalf("dpkg: %v, %v", pkgs, err)
	}
	if pkgs[0].Source != "glibc" || pkgs[1].Source != "" || pkgs[2].Source != "" {
		t.Errorf("dpkg sources = %q %q %q, want glibc, none, none", pkgs[0].Source, pkgs[1].Source, pkgs[2].Source)
	}
	apk, err := ParsePackages("apk", strings.NewReader("P:libssl3\nV:3.1.4-r5\nA:x86_64\no:openssl\n\nP:musl\nV:1.2.4_git20230717-r4\no:musl\n"))
	if err != nil || len(apk) != 2 || apk[0].Source != "openssl" || apk[1].Source != "" {
		t.Errorf("apk: %+v, %v", apk, err)
	}
	rpm, err := ParsePackages("rpm", strings.NewReader("openssl-libs\t1:3.0.7-24.el9\tx86_64\nbash\t0:5.1.8-6.el9_1\tx86_64\n"))
	if err != nil || len(rpm) != 2 || rpm[0].Version != "1:3.0.7-24.el9" || rpm[1].Version != "5.1.8-6.el9_1" {
		t.Errorf("rpm: %+v, %v", rpm, err)
	}
	if _, err := ParsePackages("pacman", strings.NewReader("")); err == nil {
		t.Error("an unknown manager is accepted")
	}
}
