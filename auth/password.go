package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum (19 MiB, t=2, p=1) raised in memory
// so a verification costs tens of milliseconds on a small server. They are
// written into every hash, so raising them later keeps old hashes valid.
const (
	argonMemoryKiB = 32 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// MaxPasswordLen bounds the work one login can cause; 64+ characters must
// fit (NIST SP 800-63B), 1024 bytes is generous.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// ErrPasswordMismatch is returned by VerifyPassword for a wrong password.
var ErrPasswordMismatch = errors.New("password does not match")

// ErrWeakPassword is returned by CheckPasswordPolicy.
var ErrWeakPassword = errors.New("password must be 12 to 1024 characters long")

// CheckPasswordPolicy applies the length rule to a new password.
func CheckPasswordPolicy(password string) error {
	if n := len([]rune(password)); n < MinPasswordLen || len(password) > MaxPasswordLen {
		return ErrWeakPassword
	}
	return nil
}

// HashPassword returns an argon2id PHC string:
// $argon2id$v=19$m=32768,t=2,p=1$<salt>$<key>.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// PHCParams are the parameters read back from a stored hash.
type PHCParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	Salt, Key []byte
}

// ParsePHC reads an argon2id PHC string.
func ParsePHC(phc string) (PHCParams, error) {
	var p PHCParams
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, errors.New("parse password hash: not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, fmt.Errorf("parse password hash: unsupported version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return p, fmt.Errorf("parse password hash parameters: %w", err)
	}
	var err error
	if p.Salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return p, fmt.Errorf("parse password hash salt: %w", err)
	}
	if p.Key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		return p, fmt.Errorf("parse password hash key: %w", err)
	}
	if p.MemoryKiB == 0 || p.MemoryKiB > 1<<22 || p.Time == 0 || p.Time > 16 || p.Threads == 0 || len(p.Key) == 0 {
		return p, errors.New("parse password hash: parameters out of range")
	}
	return p, nil
}

// VerifyPassword compares password with a stored PHC string in constant
// time. It returns ErrPasswordMismatch for a wrong password.
func VerifyPassword(phc, password string) error {
	if len(password) > MaxPasswordLen {
		return ErrPasswordMismatch
	}
	p, err := ParsePHC(phc)
	if err != nil {
		return err
	}
	key := argon2.IDKey([]byte(password), p.Salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(p.Key)))
	if subtle.ConstantTimeCompare(key, p.Key) != 1 {
		return ErrPasswordMismatch
	}
	return nil
}

// dummyHash is verified against when a login names an unknown user, so the
// answer takes as long as for a known one.
// It is computed on first use and never changes.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("monsys-timing-equaliser")
	if err != nil {
		panic(err) // crypto/rand failing leaves nothing sensible to do
	}
	return h
})

// SpendPasswordTime does the work of one verification and discards it.
func SpendPasswordTime(password string) {
	_ = VerifyPassword(dummyHash(), password) // result is meaningless by design
}
