package inventory

import (
	"strings"
	"testing"
)

// The parsers below read files that users other than root may write
// (authorized_keys) or that packages ship; none may panic or loop.

func FuzzAuthorizedKey(f *testing.F) {
	f.Add(`from="10.0.0.0/8",command="/bin/x y" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPznoR4dtIPS57yId0fEQoyM c`)
	f.Add(`ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== k`)
	f.Add(`"unterminated ssh-ed25519 AAAA`)
	f.Fuzz(func(t *testing.T, line string) {
		k, ok := parseAuthorizedKey(line)
		if ok && (!strings.HasPrefix(k.Fingerprint, "SHA256:") || !keyTypes[k.Type]) {
			t.Fatalf("accepted %q as %+v", line, k)
		}
	})
}

func FuzzSudoUserSpec(f *testing.F) {
	f.Add("%ops ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx, /usr/bin/journalctl")
	f.Add("deploy web-1,web-2 = (www-data) NOPASSWD: /a : db-1 = PASSWD: /b")
	f.Add("x y=(")
	f.Fuzz(func(t *testing.T, line string) {
		for _, r := range parseUserSpec(line, "f:1") {
			if r.Principal == "" {
				t.Fatalf("rule without principal from %q", line)
			}
		}
	})
}

func FuzzDpkgStatus(f *testing.F) {
	f.Add("Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\n")
	f.Add(dpkgStatus(2))
	f.Fuzz(func(t *testing.T, status string) {
		pkgs, _ := parseDpkgStatus(strings.NewReader(status)) // a scan error is fine; a panic is not
		for _, p := range pkgs {
			if p.Name == "" || p.Manager != "dpkg" {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func FuzzProcNetLine(f *testing.F) {
	f.Add("tcp", "   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   109        0 12345 1")
	f.Add("tcp6", "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 0 0 0 0 0 22222 1")
	f.Fuzz(func(t *testing.T, proto, line string) {
		s, _, ok := parseProcNetLine(proto, line)
		if ok && s.LocalPort > 65535 {
			t.Fatalf("port %d from %q", s.LocalPort, line)
		}
	})
}
