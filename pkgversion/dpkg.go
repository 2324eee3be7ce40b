package pkgversion

import (
	"fmt"
	"strconv"
	"strings"
)

// DpkgVersion is a parsed Debian version: [epoch:]upstream[-revision].
type DpkgVersion struct {
	Epoch    int
	Upstream string
	Revision string
}

// ParseDpkg parses v as dpkg's parseversion does, with its errors: an
// empty version, an empty upstream part, an epoch that is not a
// non-negative number, embedded spaces, an upstream part that does not
// start with a digit, and characters outside [A-Za-z0-9.+~:-] (upstream) or
// [A-Za-z0-9.+~] (revision).
func ParseDpkg(v string) (DpkgVersion, error) {
	s := strings.TrimSpace(v)
	if s == "" {
		return DpkgVersion{}, fmt.Errorf("dpkg version %q: empty", v)
	}
	if strings.ContainsAny(s, " \t\n\r") {
		return DpkgVersion{}, fmt.Errorf("dpkg version %q: embedded space", v)
	}
	out := splitDpkg(s)
	if i := strings.IndexByte(s, ':'); i >= 0 {
		e, err := strconv.ParseInt(s[:i], 10, 32)
		if err != nil || e < 0 || s[:i] == "" || !allDigits(s[:i]) {
			return DpkgVersion{}, fmt.Errorf("dpkg version %q: epoch is not a number", v)
		}
	}
	if out.Upstream == "" {
		return DpkgVersion{}, fmt.Errorf("dpkg version %q: empty upstream version", v)
	}
	if !isDigit(out.Upstream[0]) {
		return DpkgVersion{}, fmt.Errorf("dpkg version %q: upstream version does not start with a digit", v)
	}
	for i := 0; i < len(out.Upstream); i++ {
		if c := out.Upstream[i]; !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".-+~:", rune(c)) {
			return DpkgVersion{}, fmt.Errorf("dpkg version %q: invalid character %q in upstream version", v, c)
		}
	}
	for i := 0; i < len(out.Revision); i++ {
		if c := out.Revision[i]; !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".+~", rune(c)) {
			return DpkgVersion{}, fmt.Errorf("dpkg version %q: invalid character %q in revision", v, c)
		}
	}
	return out, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// splitDpkg splits without validating: the epoch is the number before the
// first colon (0 when there is none or it is not a number), the revision
// what follows the last hyphen.
func splitDpkg(s string) DpkgVersion {
	var out DpkgVersion
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if e, err := strconv.ParseInt(s[:i], 10, 32); err == nil && e >= 0 {
			out.Epoch = int(e)
		}
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		out.Upstream, out.Revision = s[:i], s[i+1:]
	} else {
		out.Upstream = s
	}
	return out
}

// Compare orders two parsed versions: epoch, then upstream, then revision.
func (a DpkgVersion) Compare(b DpkgVersion) int {
	if a.Epoch != b.Epoch {
		return sign(a.Epoch - b.Epoch)
	}
	if c := verrevcmp(a.Upstream, b.Upstream); c != 0 {
		return c
	}
	return verrevcmp(a.Revision, b.Revision)
}

// CompareDpkg orders two Debian versions as dpkg --compare-versions does.
// Versions that do not parse are compared by the same rules on their
// parts as far as they can be split.
func CompareDpkg(a, b string) int {
	return splitDpkg(strings.TrimSpace(a)).Compare(splitDpkg(strings.TrimSpace(b)))
}

// dpkgOrder is the weight of one non-digit character: the end of the
// string and digits weigh 0, '~' less than that, letters their ASCII
// value, anything else after every letter.
func dpkgOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

// verrevcmp is dpkg's comparison of an upstream version or a revision.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		firstDiff := 0
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := dpkgOrder(a, i), dpkgOrder(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		for i < len(a) && j < len(b) && isDigit(a[i]) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}
