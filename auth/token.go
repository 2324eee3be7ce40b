package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"strings"
)

// TokenKind is the prefix that says what a bearer token is for.
type TokenKind string

// Token kinds. The prefix lets secret scanners and people recognise a leaked
// monsys token, and lets the hub route a bearer token without a lookup.
const (
	KindAPIKey     TokenKind = "msk"
	KindEnrollment TokenKind = "mse"
	KindAgent      TokenKind = "msa"
)

// Token layout: <kind>_<random><checksum>,
// with 32 random base62 characters (190 bits from crypto/rand) followed by
// 6 base62 characters of CRC-32 over "<kind>_<random>".
const (
	tokenRandomLen   = 32
	tokenChecksumLen = 6
	tokenLen         = 3 + 1 + tokenRandomLen + tokenChecksumLen
	base62           = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// ErrMalformedToken means the string cannot be a monsys token of the
// expected kind: wrong prefix, length, alphabet or checksum. It is decided
// without any lookup.
var ErrMalformedToken = errors.New("malformed token")

// TokenHash is the SHA-256 of a token, the only form storage keeps.
type TokenHash [sha256.Size]byte

// HashToken returns the storage form of a token or session secret.
func HashToken(token string) TokenHash {
	return sha256.Sum256([]byte(token))
}

// NewToken returns a fresh token of kind and its hash.
func NewToken(kind TokenKind) (string, TokenHash, error) {
	var b strings.Builder
	b.Grow(tokenLen)
	b.WriteString(string(kind))
	b.WriteByte('_')
	if err := appendRandomBase62(&b, tokenRandomLen); err != nil {
		return "", TokenHash{}, err
	}
	appendBase62(&b, crc32.ChecksumIEEE([]byte(b.String())), tokenChecksumLen)
	tok := b.String()
	return tok, HashToken(tok), nil
}

// ParseToken reports the kind of a well-formed token, checking its
// checksum; it never touches storage.
func ParseToken(token string) (TokenKind, error) {
	if len(token) != tokenLen || token[3] != '_' {
		return "", ErrMalformedToken
	}
	kind := TokenKind(token[:3])
	switch kind {
	case KindAPIKey, KindEnrollment, KindAgent:
	default:
		return "", ErrMalformedToken
	}
	for i := 4; i < tokenLen; i++ {
		if strings.IndexByte(base62, token[i]) < 0 {
			return "", ErrMalformedToken
		}
	}
	body := token[:tokenLen-tokenChecksumLen]
	var want strings.Builder
	appendBase62(&want, crc32.ChecksumIEEE([]byte(body)), tokenChecksumLen)
	if want.String() != token[tokenLen-tokenChecksumLen:] {
		return "", ErrMalformedToken
	}
	return kind, nil
}

// appendRandomBase62 writes n uniformly random base62 characters, rejecting
// bytes ≥ 248 so that no character is more likely than another.
func appendRandomBase62(b *strings.Builder, n int) error {
	buf := make([]byte, n*2)
	for n > 0 {
		if _, err := rand.Read(buf); err != nil {
			return err
		}
		for _, c := range buf {
			if c >= 248 || n == 0 {
				continue
			}
			b.WriteByte(base62[c%62])
			n--
		}
	}
	return nil
}

// appendBase62 writes v as exactly width base62 digits, most significant first.
func appendBase62(b *strings.Builder, v uint32, width int) {
	var digits [8]byte
	for i := width - 1; i >= 0; i-- {
		digits[i] = base62[v%62]
		v /= 62
	}
	b.Write(digits[:width])
}
