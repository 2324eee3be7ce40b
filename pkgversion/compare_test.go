package pkgversion

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pair is one line "a op b" of a testdata table.
type pair struct {
	a, b string
	want int
	line int
}

func readPairs(t *testing.T, name string) []pair {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []pair
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			t.Fatalf("%s:%d: want `a op b`, got %q", name, n, line)
		}
		want := map[string]int{"<": -1, "=": 0, ">": 1}[f[1]]
		out = append(out, pair{a: f[0], b: f[2], want: want, line: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkPairs holds every published pair both ways round: a op b and its
// mirror b op' a.
func checkPairs(t *testing.T, file string, cmp func(a, b string) int, min int) {
	pairs := readPairs(t, file)
	if len(pairs) < min {
		t.Fatalf("%s holds %d pairs, want at least %d", file, len(pairs), min)
	}
	for _, p := range pairs {
		if got := cmp(p.a, p.b); got != p.want {
			t.Errorf("%s:%d: compare(%q, %q) = %d, want %d", file, p.line, p.a, p.b, got, p.want)
		}
		if got := cmp(p.b, p.a); got != -p.want {
			t.Errorf("%s:%d: compare(%q, %q) = %d, want %d", file, p.line, p.b, p.a, got, -p.want)
		}
	}
}

func TestCompareDpkgPublishedPairs(t *testing.T) {
	checkPairs(t, "dpkg-version.data", CompareDpkg, 100)
}

func TestCompareRPMPublishedPairs(t *testing.T) {
	checkPairs(t, "rpmvercmp.data", CompareRPM, 90)
}

func TestCompareApkPublishedPairs(t *testing.T) {
	checkPairs(t, "apk-version.data", CompareApk, 700)
}

func TestSystemCompareDispatches(t *testing.T) {
	// "1.0~rc1" vs "1.0": older under dpkg and rpm; apk has no '~'.
	if Dpkg.Compare("1.0-1~deb12u1", "1.0-1") != -1 || RPM.Compare("1.0~rc1", "1.0") != -1 {
		t.Error("tilde does not sort first under dpkg and rpm")
	}
	// "1.0_p1" is a patch level after 1.0 for apk.
	if Apk.Compare("1.0_p1", "1.0") != 1 {
		t.Error("apk _p suffix is not newer")
	}
	if System("").Compare("2", "10") != -1 {
		t.Error("an unknown system does not compare numerically")
	}
}

func TestParseDpkgRejectsWhatDpkgRejects(t *testing.T) {
	good := map[string]DpkgVersion{
		"0":               {0, "0", ""},
		"0:0-":            {0, "0", ""},
		"1:0":             {1, "0", ""},
		"0:0-0-0":         {0, "0-0", "0"},
		"0:0:0-0":         {0, "0:0", "0"},
		"0:09azAZ.-+~:-0": {0, "09azAZ.-+~:", "0"},
		"0:0-azAZ09.+~":   {0, "0", "azAZ09.+~"},
		"  \t0:0-1":       {0, "0", "1"},
		"0:0-1\t  ":       {0, "0", "1"},
	}
	for in, want := range good {
		got, err := ParseDpkg(in)
		if err != nil || got != want {
			t.Errorf("ParseDpkg(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := []string{"", "  ", "0:", "0:0 0-1", "-1:0-1", "999999999999999999999999:0-1", "a:0-0", "A:0-0",
		"-0", "0:-0", "0:abc3-0", "0:0-0:0"}
	for _, c := range "!#@$%&/|\\<>()[]{};,_=*^'" {
		bad = append(bad, "0:0"+string(c)+"-0", "0:0-0"+string(c))
	}
	for _, in := range bad {
		if _, err := ParseDpkg(in); err == nil {
			t.Errorf("ParseDpkg(%q) accepted", in)
		}
	}
}

func TestValidApk(t *testing.T) {
	for _, v := range []string{"1.0", "1.2.3-r4", "2.3.0b-r1", "1.0_alpha2", "0.1.0_alpha_pre2", "1.0_p10-r0"} {
		if !ValidApk(v) {
			t.Errorf("ValidApk(%q) = false", v)
		}
	}
	for _, v := range []string{"", "1.0bc", "23_foo", "1.0-x", "1.0_x"} {
		if ValidApk(v) {
			t.Errorf("ValidApk(%q) = true", v)
		}
	}
}
