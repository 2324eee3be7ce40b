package auth

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// NewSecret returns 256 random bits as unpadded base64url, for session ids
// and CSRF tokens, and the hash storage keeps of it.
func NewSecret() (string, TokenHash, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", TokenHash{}, fmt.Errorf("read random secret: %w", err)
	}
	s := base64.RawURLEncoding.EncodeToString(b[:])
	return s, HashToken(s), nil
}
