package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealedPrefix marks a secret sealed with SealSecret; other stored values
// are secrets written before a key was configured.
const sealedPrefix = "enc1:"

// ErrNoTOTPKey: a sealed secret was read while no key is configured.
var ErrNoTOTPKey = errors.New("the stored secret is encrypted and MONSYS_TOTP_KEY is not set")

// SealTOTP encrypts a TOTP secret for storage with AES-256-GCM under key
// (32 bytes), bound to the user id as additional data so a sealed value
// copied to another account does not open. A nil key returns the secret
// unchanged.
func SealTOTP(key []byte, userID, secret string) (string, error) {
	return SealSecret(key, "totp|"+userID, secret)
}

// OpenTOTP reverses SealTOTP; an unsealed stored value is returned as is.
func OpenTOTP(key []byte, userID, stored string) (string, error) {
	return OpenSecret(key, "totp|"+userID, stored)
}

// SealSecret encrypts secret for storage with AES-256-GCM under key (32
// bytes, MONSYS_TOTP_KEY), bound to binding as additional data (what the
// secret belongs to, e.g. "totp|<user id>"), so a sealed value copied to
// another row does not open. A nil key returns the secret unchanged.
func SealSecret(key []byte, binding, secret string) (string, error) {
	if key == nil {
		return secret, nil
	}
	aead, err := totpAEAD(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("read nonce: %w", err)
	}
	ct := aead.Seal(nonce, nonce, []byte(secret), []byte(binding))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(ct), nil
}

// OpenSecret reverses SealSecret; an unsealed stored value is returned as
// is.
func OpenSecret(key []byte, binding, stored string) (string, error) {
	b64, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return stored, nil
	}
	if key == nil {
		return "", ErrNoTOTPKey
	}
	aead, err := totpAEAD(key)
	if err != nil {
		return "", err
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("open secret: malformed")
	}
	pt, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(binding))
	if err != nil {
		return "", fmt.Errorf("open secret: %w", err)
	}
	return string(pt), nil
}

func totpAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, errors.New("totp key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("totp key: %w", err)
	}
	return cipher.NewGCM(block)
}
