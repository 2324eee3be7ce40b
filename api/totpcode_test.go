package api

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"
)

// hotp is RFC 4226 written out here, independently of the code under
// test: HMAC-SHA1 over the big-endian counter, dynamic truncation,
// modulo 10^digits.
func hotp(key []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// totpAt is the RFC 6238 code of a base32 secret at t (30 s steps, 6
// digits, SHA-1).
func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		t.Fatalf("decode totp secret %q: %v", secret, err)
	}
	return hotp(key, uint64(at.Unix()/30), 6)
}

// TestHOTPMatchesRFC6238Vectors checks the test's own implementation
// against RFC 6238 appendix B (SHA-1, 8 digits): the codes the hub's
// answers are judged by are right.
func TestHOTPMatchesRFC6238Vectors(t *testing.T) {
	key := []byte("12345678901234567890")
	for unix, want := range map[int64]string{
		59: "94287082", 1111111109: "07081804", 1111111111: "14050471",
		1234567890: "89005924", 2000000000: "69279037", 20000000000: "65353130",
	} {
		if got := hotp(key, uint64(unix/30), 8); got != want {
			t.Errorf("T=%d: %s, want %s", unix, got, want)
		}
	}
}
