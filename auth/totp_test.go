package auth

import (
	"encoding/base32"
	"errors"
	"strings"
	"testing"
	"time"
)

// rfcSecret is RFC 6238 appendix B's SHA-1 key, base32 as authenticators
// take it.
var rfcSecret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))

// TestMatchTOTPRFC6238Vectors: the six-digit code is the last six digits
// of the RFC's eight-digit values (both are the same truncation modulo a
// power of ten).
func TestMatchTOTPRFC6238Vectors(t *testing.T) {
	for unix, eight := range map[int64]string{
		59: "94287082", 1111111109: "07081804", 1111111111: "14050471",
		1234567890: "89005924", 2000000000: "69279037", 20000000000: "65353130",
	} {
		at := time.Unix(unix, 0)
		step, err := MatchTOTP(rfcSecret, eight[2:], at, 0)
		if err != nil || step != unix/TOTPPeriod {
			t.Errorf("T=%d code %s: step %d, %v; want step %d", unix, eight[2:], step, err, unix/TOTPPeriod)
		}
		if _, err := MatchTOTP(rfcSecret, eight[2:], at, unix/TOTPPeriod); !errors.Is(err, ErrTOTPMismatch) {
			t.Errorf("T=%d: a used step was accepted again", unix)
		}
		for _, off := range []int64{-2 * TOTPPeriod, 2 * TOTPPeriod} {
			if unix+off < TOTPPeriod {
				continue // before the Unix epoch's first step
			}
			if _, err := MatchTOTP(rfcSecret, eight[2:], time.Unix(unix+off, 0), 0); !errors.Is(err, ErrTOTPMismatch) {
				t.Errorf("T=%d: accepted %d s away", unix, off)
			}
		}
		for _, off := range []int64{-TOTPPeriod, TOTPPeriod} {
			if _, err := MatchTOTP(rfcSecret, eight[2:], time.Unix(unix+off, 0), 0); err != nil {
				t.Errorf("T=%d: refused one step (%d s) away: %v", unix, off, err)
			}
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes, err := NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 19 || strings.Count(c, "-") != 3 || seen[c] {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		if HashRecoveryCode(strings.ToUpper(strings.ReplaceAll(c, "-", " "))) != hashes[i] {
			t.Fatalf("code %q typed differently hashes differently", c)
		}
		if !LooksLikeRecoveryCode(c) || LooksLikeRecoveryCode("123456") {
			t.Fatal("recovery code and TOTP code not told apart")
		}
	}
}

// FuzzMatchTOTP: any code string is answered without a panic, and only
// six-digit strings can match.
func FuzzMatchTOTP(f *testing.F) {
	for _, s := range []string{"287082", "", "12345", "1234567", "abcdef", "２８７０８２", "28708\x00", " 287082"} {
		f.Add(s)
	}
	at := time.Unix(59, 0)
	f.Fuzz(func(t *testing.T, code string) {
		step, err := MatchTOTP(rfcSecret, code, at, 0)
		if err == nil && (len(code) != 6 || step < 0) {
			t.Fatalf("code %q matched step %d", code, step)
		}
	})
}
