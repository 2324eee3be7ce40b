package pkgversion

import "strings"

// apk-tools' token kinds, in the order its comparison relies on.
const (
	tokInvalid = iota - 1
	tokDigitOrZero
	tokDigit
	tokLetter
	tokSuffix
	tokSuffixNo
	tokRevisionNo
	tokEnd
)

var (
	apkPreSuffixes  = []string{"alpha", "beta", "pre", "rc"}
	apkPostSuffixes = []string{"cvs", "svn", "git", "hg", "p"}
)

// apkScanner walks one version string token by token.
type apkScanner struct {
	s   string
	typ int
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// next decides the kind of the token that starts at the scanner's
// position, consuming its separator.
func (t *apkScanner) next() {
	n := tokInvalid
	switch {
	case len(t.s) == 0 || t.s[0] == 0:
		n = tokEnd
	case (t.typ == tokDigit || t.typ == tokDigitOrZero) && isLower(t.s[0]):
		n = tokLetter
	case t.typ == tokLetter && isDigit(t.s[0]):
		n = tokDigit
	case t.typ == tokSuffix && isDigit(t.s[0]):
		n = tokSuffixNo
	default:
		switch t.s[0] {
		case '.':
			n = tokDigitOrZero
		case '_':
			n = tokSuffix
		case '-':
			if len(t.s) > 1 && t.s[1] == 'r' {
				n = tokRevisionNo
				t.s = t.s[1:]
			}
		}
		t.s = t.s[1:]
	}
	if n < t.typ {
		if !((n == tokDigitOrZero && t.typ == tokDigit) ||
			(n == tokSuffix && t.typ == tokSuffixNo) ||
			(n == tokDigit && t.typ == tokLetter)) {
			n = tokInvalid
		}
	}
	t.typ = n
}

// value reads the token at the position and moves past it, answering its
// weight. Numbers saturate instead of overflowing.
func (t *apkScanner) value() int64 {
	if len(t.s) == 0 {
		t.typ = tokEnd
		return 0
	}
	var v int64
	i := 0
	nt := tokInvalid
	switch t.typ {
	case tokDigitOrZero:
		if t.s[0] == '0' {
			for i < len(t.s) && t.s[i] == '0' {
				i++
			}
			nt = tokDigit
			v = -int64(i)
			break
		}
		fallthrough
	case tokDigit, tokSuffixNo, tokRevisionNo:
		for i < len(t.s) && isDigit(t.s[i]) {
			if v < 1<<55 {
				v = v*10 + int64(t.s[i]-'0')
			}
			i++
		}
	case tokLetter:
		v = int64(t.s[0])
		i = 1
	case tokSuffix:
		found := false
		for k, suf := range apkPreSuffixes {
			if strings.HasPrefix(t.s, suf) {
				v, i, found = int64(k-len(apkPreSuffixes)), len(suf), true
				break
			}
		}
		if !found {
			for k, suf := range apkPostSuffixes {
				if strings.HasPrefix(t.s, suf) {
					v, i, found = int64(k), len(suf), true
					break
				}
			}
		}
		if !found {
			t.typ = tokInvalid
			return -1
		}
	default:
		t.typ = tokInvalid
		return -1
	}
	t.s = t.s[i:]
	switch {
	case len(t.s) == 0:
		t.typ = tokEnd
	case nt != tokInvalid:
		t.typ = nt
	default:
		t.next()
	}
	return v
}

// CompareApk orders two Alpine package versions as apk-tools does.
func CompareApk(a, b string) int {
	as := apkScanner{s: strings.TrimSpace(a), typ: tokDigit}
	bs := apkScanner{s: strings.TrimSpace(b), typ: tokDigit}
	var av, bv int64
	for as.typ == bs.typ && as.typ != tokEnd && as.typ != tokInvalid && av == bv {
		av = as.value()
		bv = bs.value()
	}
	if av < bv {
		return -1
	}
	if av > bv {
		return 1
	}
	if as.typ == bs.typ {
		return 0
	}
	// Equal so far: the longer version is newer, unless what follows is a
	// pre-release suffix.
	if as.typ == tokSuffix {
		t := as
		if t.value() < 0 {
			return -1
		}
	}
	if bs.typ == tokSuffix {
		t := bs
		if t.value() < 0 {
			return 1
		}
	}
	if as.typ > bs.typ {
		return -1
	}
	if bs.typ > as.typ {
		return 1
	}
	return 0
}

// ValidApk reports whether v is a well-formed apk version.
func ValidApk(v string) bool {
	t := apkScanner{s: strings.TrimSpace(v), typ: tokDigit}
	if t.s == "" {
		return false
	}
	for t.typ != tokEnd && t.typ != tokInvalid {
		t.value()
	}
	return t.typ == tokEnd
}
