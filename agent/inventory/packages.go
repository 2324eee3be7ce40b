package inventory

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/monsys/monsys/wire"
)

// collectPackages reads every package manager present: dpkg's status
// file, apk's installed database, and rpm through `rpm -qa` (its database
// is not a stable file format). No manager at all is an error.
func collectPackages(ctx context.Context, src Source) (any, error) {
	var pkgs []wire.Package
	var errs []error
	found := false
	for _, m := range []struct {
		path string
		read func(io.Reader) ([]wire.Package, error)
	}{
		{"/var/lib/dpkg/status", parseDpkgStatus},
		{"/lib/apk/db/installed", parseApkInstalled},
	} {
		f, err := os.Open(src.path(m.path))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		found = true
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := m.read(f)
		_ = f.Close() // read-only
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", m.path, err))
		}
		pkgs = append(pkgs, p...)
	}
	if _, err := os.Stat(src.path("/var/lib/rpm")); err == nil && src.live() {
		found = true
		out, err := command(ctx, "rpm", "-qa", "--qf", "%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n")
		if err != nil {
			errs = append(errs, fmt.Errorf("rpm -qa: %w", err))
		}
		pkgs = append(pkgs, parseRpmQuery(string(out))...)
	}
	if !found {
		return pkgs, fmt.Errorf("no dpkg, rpm or apk database: %w", errNotPresent)
	}
	return pkgs, errors.Join(errs...)
}

// ParsePackages reads one package manager's list as the collector does:
// dpkg's status file, apk's installed database, or the output of
// `rpm -qa --qf '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n'`.
// Fixtures of real machines go through it in the hub's tests.
func ParsePackages(manager string, r io.Reader) ([]wire.Package, error) {
	switch manager {
	case "dpkg":
		return parseDpkgStatus(r)
	case "apk":
		return parseApkInstalled(r)
	case "rpm":
		b, err := io.ReadAll(r)
		return parseRpmQuery(string(b)), err
	}
	return nil, fmt.Errorf("package manager %q: not dpkg, apk or rpm", manager)
}

// parseDpkgStatus reads dpkg's status file: stanzas separated by blank
// lines; a package counts when its Status ends in "installed".
func parseDpkgStatus(r io.Reader) ([]wire.Package, error) {
	var pkgs []wire.Package
	var cur wire.Package
	installed := false
	flush := func() {
		if cur.Name != "" && installed {
			cur.Manager = "dpkg"
			if cur.Source == cur.Name {
				cur.Source = ""
			}
			pkgs = append(pkgs, cur)
		}
		cur, installed = wire.Package{}, false
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			cur.Name = v
		case "Version":
			cur.Version = v
		case "Architecture":
			cur.Arch = v
		case "Source":
			// "Source: glibc (2.36-9)" names a source version only when it differs
			src, _, _ := strings.Cut(v, " ")
			cur.Source = src
		case "Status":
			installed = strings.HasSuffix(v, " installed")
		}
	}
	flush()
	return pkgs, sc.Err()
}

// parseApkInstalled reads apk's database: P: name, V: version, A: arch,
// one blank-line separated record per package.
func parseApkInstalled(r io.Reader) ([]wire.Package, error) {
	var pkgs []wire.Package
	var cur wire.Package
	flush := func() {
		if cur.Name != "" {
			cur.Manager = "apk"
			if cur.Source == cur.Name {
				cur.Source = ""
			}
			pkgs = append(pkgs, cur)
		}
		cur = wire.Package{}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		switch line[0] {
		case 'P':
			cur.Name = line[2:]
		case 'V':
			cur.Version = line[2:]
		case 'A':
			cur.Arch = line[2:]
		case 'o':
			cur.Source = line[2:]
		}
	}
	flush()
	return pkgs, sc.Err()
}

// parseRpmQuery reads `rpm -qa --qf 'NAME\tEPOCH:VERSION-RELEASE\tARCH\n'`,
// dropping a zero epoch as rpm itself prints versions.
func parseRpmQuery(out string) []wire.Package {
	var pkgs []wire.Package
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[0] == "gpg-pubkey" {
			continue
		}
		pkgs = append(pkgs, wire.Package{Name: f[0], Version: strings.TrimPrefix(f[1], "0:"), Arch: f[2], Manager: "rpm"})
	}
	return pkgs
}
