package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestHashPasswordStoresStrongArgon2idParameters(t *testing.T) {
	h, err := HashPassword("a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("hash %q is not an argon2id PHC string", h)
	}
	p, err := ParsePHC(h)
	if err != nil {
		t.Fatal(err)
	}
	// OWASP / ASVS minimums: m ≥ 19456 KiB, t ≥ 2, p = 1.
	if p.MemoryKiB < 19456 || p.Time < 2 || p.Threads != 1 || len(p.Salt) < 16 || len(p.Key) < 32 {
		t.Fatalf("weak parameters: %+v", p)
	}
	h2, _ := HashPassword("a long enough passphrase")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
}

func TestVerifyPassword(t *testing.T) {
	long := strings.Repeat("pässwörd-", 12) // 108 runes, multi-byte
	h, err := HashPassword(long)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyPassword(h, long); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	for _, wrong := range []string{long[:len(long)-1], long + "x", "", strings.ToUpper(long)} {
		if err := VerifyPassword(h, wrong); !errors.Is(err, ErrPasswordMismatch) {
			t.Errorf("VerifyPassword(%q) = %v, want ErrPasswordMismatch", wrong, err)
		}
	}
	if err := VerifyPassword("$argon2id$v=19$m=1,t=1,p=1$$", "x"); err == nil || errors.Is(err, ErrPasswordMismatch) {
		t.Errorf("malformed hash: err = %v, want a parse error", err)
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                   false,
		"exactly12chr":            true,
		strings.Repeat("x", 1024): true,
		strings.Repeat("x", 1025): false,
		"ünïcödé-ünïcödé":         true,
	} {
		if err := CheckPasswordPolicy(pw); (err == nil) != ok {
			t.Errorf("CheckPasswordPolicy(len %d) = %v, want ok=%v", len(pw), err, ok)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	h, _ := HashPassword("seed password")
	f.Add(h)
	f.Add("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$a2V5")
	f.Add("$argon2i$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePHC(s)
		if err != nil {
			return
		}
		// Anything accepted must be cheap enough to verify without
		// exhausting the server: bounded memory and passes.
		if p.MemoryKiB > 1<<22 || p.Time > 16 || p.Threads == 0 {
			t.Fatalf("accepted unbounded parameters %+v from %q", p, s)
		}
	})
}

// BenchmarkVerifyPassword is the cost of one login's password check
// (RELIABILITY A1 wants 50 to 500 ms on the reference machine).
func BenchmarkVerifyPassword(b *testing.B) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := VerifyPassword(h, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
