package inventory

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dpkgStatus writes a dpkg status file of n installed packages shaped like
// a real one: a dozen fields, dependencies and a multi-line description.
func dpkgStatus(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `Package: pkg-%04d
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: %d
Maintainer: Debian Maintainers <debian-devel@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: pkg-src-%04d
Version: %d.%d.%d-%d+deb12u1
Depends: libc6 (>= 2.34), libgcc-s1 (>= 3.0), libstdc++6 (>= 12), zlib1g (>= 1:1.2.0)
Conffiles:
 /etc/pkg-%04d/config.conf 0123456789abcdef0123456789abcdef
Description: package number %d for the inventory benchmark
 This is the long description of the package. It spans several lines,
 as real descriptions do, so that the parser skips continuation lines
 .
 at the rate it would on a real server.
Homepage: https://example.org/pkg-%04d

`, i, 100+i, i, i%7, i%13, i%29, i%3, i, i, i)
	}
	return b.String()
}

// BenchmarkInventoryPass runs every collector once over the fixture tree
// with a dpkg status of 2000 packages (target: ≤ 2 s per pass).
func BenchmarkInventoryPass(b *testing.B) {
	root := b.TempDir()
	if err := os.CopyFS(root, os.DirFS("testdata/root")); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), []byte(dpkgStatus(2000)), 0o644); err != nil {
		b.Fatal(err)
	}
	r := NewRunner(Source{Root: root}, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.ReportAllocs()
	var items int
	for b.Loop() {
		parts := r.CollectAll(context.Background(), time.Now())
		items = 0
		for _, p := range parts {
			items += len(p.Items)
		}
	}
	b.ReportMetric(float64(items), "item_bytes")
}

// TestDpkgFixtureSize keeps the benchmark honest: its status file parses
// to 2000 installed packages.
func TestDpkgFixtureSize(t *testing.T) {
	pkgs, err := parseDpkgStatus(strings.NewReader(dpkgStatus(2000)))
	if err != nil || len(pkgs) != 2000 {
		t.Fatalf("parsed %d packages, %v; want 2000", len(pkgs), err)
	}
}
