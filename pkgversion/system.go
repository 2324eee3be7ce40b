package pkgversion

import "fmt"

// System is a package manager whose version rules Compare follows.
type System string

// The package managers monsys matches vulnerabilities for.
const (
	Dpkg System = "dpkg"
	RPM  System = "rpm"
	Apk  System = "apk"
)

// Compare orders two versions of a package under the rules of s: -1 when
// a is older than b, 0 when they are the same version, +1 when a is newer.
// An unknown system compares as dpkg, whose rules are a superset of plain
// dotted numbers.
func (s System) Compare(a, b string) int {
	switch s {
	case RPM:
		return CompareRPM(a, b)
	case Apk:
		return CompareApk(a, b)
	default:
		return CompareDpkg(a, b)
	}
}

// Valid answers nil when v is a well-formed version under s.
func (s System) Valid(v string) error {
	switch s {
	case RPM:
		_, err := ParseRPM(v)
		return err
	case Apk:
		if !ValidApk(v) {
			return fmt.Errorf("apk version %q: invalid", v)
		}
		return nil
	default:
		_, err := ParseDpkg(v)
		return err
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
