package pkgversion

import (
	"fmt"
	"strconv"
	"strings"
)

// RPMVersion is a parsed rpm EVR: [epoch:]version[-release]. A missing
// epoch is 0, as rpm treats it when comparing installed packages.
type RPMVersion struct {
	Epoch   int
	Version string
	Release string
}

// ParseRPM parses an EVR string. The epoch, when present, must be a
// non-negative number, and the version must not be empty.
func ParseRPM(v string) (RPMVersion, error) {
	s := strings.TrimSpace(v)
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if _, err := strconv.ParseUint(s[:i], 10, 31); err != nil {
			return RPMVersion{}, fmt.Errorf("rpm version %q: epoch is not a number", v)
		}
	}
	out := splitRPM(s)
	if out.Version == "" {
		return RPMVersion{}, fmt.Errorf("rpm version %q: empty version", v)
	}
	if strings.ContainsAny(s, " \t\n\r") {
		return RPMVersion{}, fmt.Errorf("rpm version %q: embedded space", v)
	}
	return out, nil
}

func splitRPM(s string) RPMVersion {
	var out RPMVersion
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if e, err := strconv.ParseUint(s[:i], 10, 31); err == nil {
			out.Epoch = int(e)
		}
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		out.Version, out.Release = s[:i], s[i+1:]
	} else {
		out.Version = s
	}
	return out
}

// Compare orders two EVRs: epoch, version, then release. A release
// missing on either side is not compared, as rpm does when a dependency
// names a version only.
func (a RPMVersion) Compare(b RPMVersion) int {
	if a.Epoch != b.Epoch {
		return sign(a.Epoch - b.Epoch)
	}
	if c := Rpmvercmp(a.Version, b.Version); c != 0 {
		return c
	}
	if a.Release == "" || b.Release == "" {
		return 0
	}
	return Rpmvercmp(a.Release, b.Release)
}

// CompareRPM orders two EVR strings.
func CompareRPM(a, b string) int {
	return splitRPM(strings.TrimSpace(a)).Compare(splitRPM(strings.TrimSpace(b)))
}

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// Rpmvercmp is rpm's rpmvercmp on one version or release string.
func Rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := at(a, i), at(b, j)
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		if ca == '^' || cb == '^' {
			if i >= len(a) {
				return -1
			}
			if j >= len(b) {
				return 1
			}
			if ca != '^' {
				return 1
			}
			if cb != '^' {
				return -1
			}
			i++
			j++
			continue
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		si, sj := i, j
		isNum := isDigit(a[i])
		if isNum {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlpha(a[i]) {
				i++
			}
			for j < len(b) && isAlpha(b[j]) {
				j++
			}
		}
		sa, sb := a[si:i], b[sj:j]
		if sb == "" {
			// Segments of different kinds: a number is newer than letters.
			if isNum {
				return 1
			}
			return -1
		}
		if isNum {
			sa, sb = strings.TrimLeft(sa, "0"), strings.TrimLeft(sb, "0")
			if len(sa) != len(sb) {
				return sign(len(sa) - len(sb))
			}
		}
		if c := strings.Compare(sa, sb); c != 0 {
			return c
		}
	}
	if i >= len(a) && j >= len(b) {
		return 0
	}
	if i >= len(a) {
		return -1
	}
	return 1
}

// at is s[i], or 0 past the end (C's terminating NUL).
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}
