package auth

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// RecoveryCodeCount is how many recovery codes a TOTP setup issues.
const RecoveryCodeCount = 10

// recoveryAlphabet is Crockford's base32: no I, L, O or U to misread.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// NewRecoveryCodes returns RecoveryCodeCount fresh codes, each 80 random
// bits written as xxxx-xxxx-xxxx-xxxx, and their hashes, the only form
// storage keeps.
func NewRecoveryCodes() ([]string, []TokenHash, error) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([]TokenHash, RecoveryCodeCount)
	buf := make([]byte, 16)
	for i := range codes {
		if _, err := rand.Read(buf); err != nil {
			return nil, nil, fmt.Errorf("read random recovery code: %w", err)
		}
		var b strings.Builder
		for j, c := range buf {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[c&31]) // 5 bits of each byte: 80 bits in all
		}
		codes[i] = b.String()
		hashes[i] = HashRecoveryCode(codes[i])
	}
	return codes, hashes, nil
}

// HashRecoveryCode hashes a code as typed: case, spaces and dashes do not
// matter.
func HashRecoveryCode(code string) TokenHash {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, code)
	return HashToken("recovery:" + norm)
}

// LooksLikeRecoveryCode tells a recovery code from a TOTP code.
func LooksLikeRecoveryCode(code string) bool { return len(code) >= 16 && len(code) <= 40 }
