package pkgversion

import "testing"

// The comparators take versions straight from agents and vulnerability
// feeds: whatever the bytes, they must answer, and answer an order.

func seedVersions(f *testing.F) {
	for _, s := range []string{"", "0", "1:2.3-4", "1.0~rc1", "1.0^git1", "2.3.0b-r1", "1.0_alpha_pre2",
		"1:3.0.7-27.el9", "3.0.11-1~deb12u2", "~~", "-", ":", "0:-", "_p", "-r", "1.0\x00a", "999999999999999999999"} {
		for _, t := range []string{"1.0", "1:1", "1.0-r0", "1.0~"} {
			f.Add(s, t)
		}
	}
}

func checkOrder(t *testing.T, name string, cmp func(a, b string) int, a, b string) {
	ab, ba := cmp(a, b), cmp(b, a)
	if ab < -1 || ab > 1 {
		t.Fatalf("%s(%q, %q) = %d, not -1, 0 or 1", name, a, b, ab)
	}
	if ab != -ba {
		t.Fatalf("%s not antisymmetric: (%q, %q) = %d but (%q, %q) = %d", name, a, b, ab, b, a, ba)
	}
	if cmp(a, a) != 0 {
		t.Fatalf("%s(%q, itself) != 0", name, a)
	}
}

func FuzzCompareDpkg(f *testing.F) {
	seedVersions(f)
	f.Fuzz(func(t *testing.T, a, b string) {
		checkOrder(t, "CompareDpkg", CompareDpkg, a, b)
		if v, err := ParseDpkg(a); err == nil && v.Compare(v) != 0 {
			t.Fatalf("parsed %q differs from itself", a)
		}
	})
}

func FuzzCompareRPM(f *testing.F) {
	seedVersions(f)
	f.Fuzz(func(t *testing.T, a, b string) {
		checkOrder(t, "CompareRPM", CompareRPM, a, b)
		_, _ = ParseRPM(a) // must not panic; an error is an answer
	})
}

// FuzzCompareApk holds antisymmetry only between valid versions: apk-tools
// itself orders an invalid token by where the scan stopped.
func FuzzCompareApk(f *testing.F) {
	seedVersions(f)
	f.Fuzz(func(t *testing.T, a, b string) {
		ab := CompareApk(a, b)
		if ab < -1 || ab > 1 {
			t.Fatalf("CompareApk(%q, %q) = %d", a, b, ab)
		}
		if ValidApk(a) && ValidApk(b) {
			checkOrder(t, "CompareApk", CompareApk, a, b)
		}
	})
}
