package auth

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSealTOTP(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	sealed, err := SealTOTP(key, "user-a", "JBSWY3DPEHPK3PXP")
	if err != nil || !strings.HasPrefix(sealed, "enc1:") || strings.Contains(sealed, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	again, _ := SealTOTP(key, "user-a", "JBSWY3DPEHPK3PXP")
	if again == sealed {
		t.Fatal("two seals of one secret are equal: the nonce repeats")
	}
	if got, err := OpenTOTP(key, "user-a", sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := OpenTOTP(key, "user-b", sealed); err == nil {
		t.Fatal("a secret sealed for one user opened for another")
	}
	if _, err := OpenTOTP(bytes.Repeat([]byte{8}, 32), "user-a", sealed); err == nil {
		t.Fatal("opened with the wrong key")
	}
	flipped := []byte(sealed)
	flipped[len(flipped)-2] ^= 1
	if _, err := OpenTOTP(key, "user-a", string(flipped)); err == nil {
		t.Fatal("a tampered secret opened")
	}
	if _, err := OpenTOTP(nil, "user-a", sealed); !errors.Is(err, ErrNoTOTPKey) {
		t.Fatalf("no key: %v", err)
	}
	if got, err := OpenTOTP(key, "user-a", "PLAINSECRET"); err != nil || got != "PLAINSECRET" {
		t.Fatalf("a secret stored before the key: %q %v", got, err)
	}
	if got, _ := SealTOTP(nil, "user-a", "PLAIN"); got != "PLAIN" {
		t.Fatal("no key must store as is")
	}
}
