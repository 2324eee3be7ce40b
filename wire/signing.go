package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// Header names of the protocol.
const (
	HeaderTimestamp = "X-Monsys-Timestamp"
	HeaderSignature = "X-Monsys-Signature"
)

// Signing purposes: a signature for one purpose never verifies for another.
const (
	PurposeIngest   = "ingest"
	PurposeRegister = "register"
)

// MaxClockSkew is how far a signed timestamp may be from the hub's clock.
const MaxClockSkew = 300 * time.Second

const sigPrefix = "ed25519="

// Errors from ParseSignature and Verify.
var (
	ErrMalformedSignature = errors.New("malformed signature header: want ed25519=<base64 of 64 bytes>")
	ErrMalformedTimestamp = errors.New("malformed timestamp: want unix seconds")
	ErrStaleTimestamp     = errors.New("timestamp more than 300 s from the hub's clock")
	ErrBadSignature       = errors.New("signature does not verify")
)

// AppendSigningString appends the bytes that are signed for one request.
func AppendSigningString(dst []byte, purpose, subject string, unixSeconds int64, body []byte) []byte {
	return AppendSigningStringDigest(dst, purpose, subject, unixSeconds, sha256.Sum256(body))
}

// AppendSigningStringDigest is AppendSigningString for a caller that has
// the body's SHA-256 already.
func AppendSigningStringDigest(dst []byte, purpose, subject string, unixSeconds int64, sum [32]byte) []byte {
	dst = append(dst, "monsys-"...)
	dst = append(dst, purpose...)
	dst = append(dst, "-v1\n"...)
	dst = append(dst, subject...)
	dst = append(dst, '\n')
	dst = strconv.AppendInt(dst, unixSeconds, 10)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, sum[:])
}

// Sign returns the X-Monsys-Timestamp and X-Monsys-Signature header values
// for body.
func Sign(key ed25519.PrivateKey, purpose, subject string, now time.Time, body []byte) (timestamp, signature string) {
	ts := now.Unix()
	msg := AppendSigningString(nil, purpose, subject, ts, body)
	return strconv.FormatInt(ts, 10), sigPrefix + base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))
}

// ParseSignature decodes an X-Monsys-Signature header value.
func ParseSignature(header string) ([]byte, error) {
	if len(header) <= len(sigPrefix) || header[:len(sigPrefix)] != sigPrefix {
		return nil, ErrMalformedSignature
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(header[len(sigPrefix):])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, ErrMalformedSignature
	}
	return sig, nil
}

// ParseTimestamp decodes an X-Monsys-Timestamp header value and checks it
// is within MaxClockSkew of now.
func ParseTimestamp(header string, now time.Time) (int64, error) {
	if len(header) == 0 || len(header) > 12 {
		return 0, ErrMalformedTimestamp
	}
	ts, err := strconv.ParseInt(header, 10, 64)
	if err != nil || ts <= 0 {
		return 0, ErrMalformedTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return 0, ErrStaleTimestamp
	}
	return ts, nil
}

// Verify checks a request's timestamp and signature headers against the
// pinned public key. scratch is reused for the signing string and returned
// so hot callers can keep it.
func Verify(pub ed25519.PublicKey, purpose, subject, timestampHeader, signatureHeader string, body []byte, now time.Time, scratch []byte) ([]byte, error) {
	return VerifyDigest(pub, purpose, subject, timestampHeader, signatureHeader, sha256.Sum256(body), now, scratch)
}

// VerifyDigest is Verify for a caller that has the body's SHA-256 already
// (the hub hashes each body once, for the signature and the dedup ledger).
func VerifyDigest(pub ed25519.PublicKey, purpose, subject, timestampHeader, signatureHeader string, sum [32]byte, now time.Time, scratch []byte) ([]byte, error) {
	ts, err := ParseTimestamp(timestampHeader, now)
	if err != nil {
		return scratch, err
	}
	sig, err := ParseSignature(signatureHeader)
	if err != nil {
		return scratch, err
	}
	if len(pub) != ed25519.PublicKeySize {
		return scratch, ErrBadSignature
	}
	scratch = AppendSigningStringDigest(scratch[:0], purpose, subject, ts, sum)
	if !ed25519.Verify(pub, scratch, sig) {
		return scratch, ErrBadSignature
	}
	return scratch, nil
}
