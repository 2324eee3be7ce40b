package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	qrcode "github.com/skip2/go-qrcode"
)

// TOTP parameters: RFC 6238 defaults that every authenticator app
// understands (SHA-1, 6 digits, 30 s), a 160-bit secret, and one step of
// clock drift either way.
const (
	TOTPPeriod = 30
	totpDigits = otp.DigitsSix
	totpSkew   = 1
)

// ErrTOTPMismatch means the code matches no step in the accepted window,
// or only steps already used.
var ErrTOTPMismatch = errors.New("totp code does not match")

// TOTPSetup is a new secret as the user's authenticator takes it.
type TOTPSetup struct {
	Secret string // base32, no padding
	URI    string // otpauth://totp/…
	QRPNG  []byte // the URI as a QR code
}

// NewTOTP makes a secret for account (the user's email) under issuer.
func NewTOTP(issuer, account string) (TOTPSetup, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: TOTPPeriod,
		SecretSize: 20, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("generate totp secret: %w", err)
	}
	png, err := qrcode.Encode(key.URL(), qrcode.Medium, 256)
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("draw totp qr code: %w", err)
	}
	return TOTPSetup{Secret: key.Secret(), URI: key.URL(), QRPNG: png}, nil
}

// QRDataURL is the QR code as a data: URL an <img> can show.
func (s TOTPSetup) QRDataURL() string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(s.QRPNG)
}

// MatchTOTP finds the time step within ±1 of now whose code is code and
// that is later than lastStep (the last step this secret accepted, 0 when
// none), so a code is accepted once. It returns the step to store.
func MatchTOTP(secret, code string, now time.Time, lastStep int64) (int64, error) {
	if !validCode(code) {
		return 0, ErrTOTPMismatch
	}
	cur := now.Unix() / TOTPPeriod
	var found int64
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*TOTPPeriod, 0), totp.ValidateOpts{
			Period: TOTPPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, fmt.Errorf("compute totp code: %w", err)
		}
		// Every step is computed and compared, matched or not, so the time
		// taken says nothing about which one matched.
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > lastStep && found == 0 {
			found = step
		}
	}
	if found == 0 {
		return 0, ErrTOTPMismatch
	}
	return found, nil
}

// validCode reports whether code is six ASCII digits, the only shape a
// code can have; anything else is refused before any work.
func validCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	return bytes.IndexFunc([]byte(code), func(r rune) bool { return r < '0' || r > '9' }) < 0
}
