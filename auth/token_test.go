package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestNewTokenParsesAndHashes(t *testing.T) {
	seen := map[string]bool{}
	for _, kind := range []TokenKind{KindAPIKey, KindEnrollment, KindAgent} {
		for range 50 {
			tok, hash, err := NewToken(kind)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(tok, string(kind)+"_") || len(tok) != tokenLen {
				t.Fatalf("token %q: want prefix %s_ and length %d", tok, kind, tokenLen)
			}
			got, err := ParseToken(tok)
			if err != nil || got != kind {
				t.Fatalf("ParseToken(%q) = %q, %v", tok, got, err)
			}
			if hash != HashToken(tok) {
				t.Fatal("NewToken's hash differs from HashToken")
			}
			if seen[tok] {
				t.Fatalf("token %q issued twice", tok)
			}
			seen[tok] = true
		}
	}
}

func TestParseTokenRefusesDamagedTokens(t *testing.T) {
	tok, _, err := NewToken(KindAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	cases := map[string]string{
		"random char changed":   flip(10),
		"checksum char changed": flip(len(tok) - 1),
		"unknown prefix":        "msx" + tok[3:],
		"truncated":             tok[:len(tok)-1],
		"extended":              tok + "0",
		"bad alphabet":          tok[:8] + "-" + tok[9:],
		"empty":                 "",
	}
	for name, bad := range cases {
		if _, err := ParseToken(bad); !errors.Is(err, ErrMalformedToken) {
			t.Errorf("%s: ParseToken(%q) = %v, want ErrMalformedToken", name, bad, err)
		}
	}
}

func TestTokenRandomPartIsUniform(t *testing.T) {
	// 2000 tokens × 32 chars: each of the 62 symbols is expected ~1032
	// times; modulo bias or a stuck generator would push some far off.
	counts := map[byte]int{}
	for range 2000 {
		tok, _, err := NewToken(KindAgent)
		if err != nil {
			t.Fatal(err)
		}
		for i := 4; i < 4+tokenRandomLen; i++ {
			counts[tok[i]]++
		}
	}
	if len(counts) != 62 {
		t.Fatalf("saw %d distinct symbols, want 62", len(counts))
	}
	for c, n := range counts {
		if n < 800 || n > 1300 {
			t.Errorf("symbol %q appeared %d times, want about 1032", c, n)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	for _, k := range []TokenKind{KindAPIKey, KindEnrollment, KindAgent} {
		tok, _, _ := NewToken(k)
		f.Add(tok)
	}
	f.Add("msk_")
	f.Add("msk_0000000000000000000000000000000000000")
	f.Fuzz(func(t *testing.T, s string) {
		kind, err := ParseToken(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(s, string(kind)+"_") || len(s) != tokenLen {
			t.Fatalf("accepted %q as %q", s, kind)
		}
	})
}
