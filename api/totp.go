package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/ratelimit"
	"github.com/monsys/monsys/store"
)

type totpSetupReply struct {
	Secret string `json:"secret"`  // base32, shown this once
	URI    string `json:"otpauth"` // otpauth://totp/… for the authenticator
	QRCode string `json:"qr_code"` // the URI as a PNG data: URL
}

type totpCodeRequest struct {
	Code string `json:"code"`
}

type totpVerifyReply struct {
	RecoveryCodes []string `json:"recovery_codes"` // shown this once
}

type totpChallengeRequest struct {
	Challenge string `json:"challenge"`
	Code      string `json:"code"` // a TOTP code or a recovery code
}

// totpFailLimit is RELIABILITY A2's TOTP throttle: five wrong codes per
// five minutes per account, whichever IP they come from.
func totpFailLimit() *rateLimit { return limitPolicy("totp_failures", 5, 5*time.Minute, byUser) }

// totpSetup makes a new secret for the calling person. It is not active
// until /auth/totp/verify proves the authenticator has it; while TOTP is
// on, setup answers 409 (disable first). The secret is never shown again.
func (s *Server) totpSetup(c *fiber.Ctx) error {
	p := principalOf(c)
	u, err := s.store.User(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	setup, err := auth.NewTOTP("monsys", u.Email)
	if err != nil {
		return err
	}
	sealed, err := auth.SealTOTP(s.cfg.TOTPKey, u.ID.String(), setup.Secret)
	if err != nil {
		return err
	}
	if err := s.store.SetPendingTOTP(c.UserContext(), u.ID, sealed); err != nil {
		return answerAs(err, store.ErrConflict, conflict("two-factor sign-in is already on: disable it first to set up a new authenticator"))
	}
	return c.JSON(totpSetupReply{Secret: setup.Secret, URI: setup.URI, QRCode: setup.QRDataURL()})
}

// totpVerify turns TOTP on with the first code from the authenticator and
// returns fresh recovery codes.
func (s *Server) totpVerify(c *fiber.Ctx) error {
	p := principalOf(c)
	var req totpCodeRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	st, err := s.totpState(c, p.UserID)
	if err != nil {
		return err
	}
	if st.EnabledAt != nil || st.Secret == "" {
		return conflict("there is no pending setup: call /auth/totp/setup first")
	}
	step, err := s.checkCode(c, p.UserID, p.TenantID, st, req.Code)
	if err != nil {
		return err
	}
	codes, hashes, err := auth.NewRecoveryCodes()
	if err != nil {
		return err
	}
	if err := s.store.EnableTOTP(c.UserContext(), p.UserID, step, hashes, s.auditEvent(c, "totp_enabled")); err != nil {
		return answerAs(err, store.ErrConflict, unauthorized("that code was already used"))
	}
	return c.JSON(totpVerifyReply{RecoveryCodes: codes})
}

// totpDisable turns TOTP off; it needs a current code.
func (s *Server) totpDisable(c *fiber.Ctx) error {
	p := principalOf(c)
	var req totpCodeRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	st, err := s.totpState(c, p.UserID)
	if err != nil {
		return err
	}
	if st.EnabledAt == nil {
		return conflict("two-factor sign-in is not on")
	}
	step, err := s.checkCode(c, p.UserID, p.TenantID, st, req.Code)
	if err != nil {
		return err
	}
	if err := s.store.UseTOTPStep(c.UserContext(), p.UserID, step); err != nil {
		return s.codeFailed(c, p.UserID, p.TenantID)
	}
	if err := s.store.DisableTOTP(c.UserContext(), p.UserID, s.auditEvent(c, "totp_disabled")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// totpChallenge finishes a password login with a TOTP or recovery code.
func (s *Server) totpChallenge(c *fiber.Ctx) error {
	var req totpChallengeRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return err
	}
	ctx := c.UserContext()
	hash := auth.HashToken(req.Challenge)
	ch, err := s.store.LiveChallenge(ctx, hash)
	if err != nil {
		return credentialErr(err, "the challenge has expired or was used; sign in again")
	}
	u, err := s.store.User(ctx, ch.UserID)
	if err != nil {
		return err
	}
	if err := s.secondFactor(c, u.ID, ch.TenantID, req.Code); err != nil {
		return err
	}
	m, err := s.store.Membership(ctx, ch.TenantID, u.ID)
	if err != nil {
		return credentialErr(err, "the account left that tenant; sign in again")
	}
	return s.startSession(c, u, m, &hash)
}

// secondFactor spends a TOTP code (its step) or a recovery code of the
// user, or answers why not.
func (s *Server) secondFactor(c *fiber.Ctx, userID, tenantID uuid.UUID, code string) error {
	ctx := c.UserContext()
	if auth.LooksLikeRecoveryCode(code) {
		if err := s.totpAllowed(c, userID); err != nil {
			return err
		}
		if err := s.store.UseRecoveryCode(ctx, userID, auth.HashRecoveryCode(code)); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return s.codeFailed(c, userID, tenantID)
			}
			return err
		}
		return s.store.Record(ctx, userEvent(c, "recovery_code_used", tenantID.String(), userID.String()))
	}
	st, err := s.totpState(c, userID)
	if err != nil {
		return err
	}
	step, err := s.checkCode(c, userID, tenantID, st, code)
	if err != nil {
		return err
	}
	if err := s.store.UseTOTPStep(ctx, userID, step); err != nil {
		return s.codeFailed(c, userID, tenantID)
	}
	return nil
}

// totpState reads the user's TOTP state with the secret opened.
func (s *Server) totpState(c *fiber.Ctx, userID uuid.UUID) (store.TOTPState, error) {
	st, err := s.store.TOTP(c.UserContext(), userID)
	if err != nil {
		return st, err
	}
	st.Secret, err = auth.OpenTOTP(s.cfg.TOTPKey, userID.String(), st.Secret)
	return st, err
}

// checkCode matches a TOTP code against st under the per-account failure
// limit and returns its step; a wrong code is counted and audited.
func (s *Server) checkCode(c *fiber.Ctx, userID, tenantID uuid.UUID, st store.TOTPState, code string) (int64, error) {
	if err := s.totpAllowed(c, userID); err != nil {
		return 0, err
	}
	step, err := auth.MatchTOTP(st.Secret, strings.TrimSpace(code), time.Now(), st.LastStep)
	if err != nil {
		return 0, s.codeFailed(c, userID, tenantID)
	}
	return step, nil
}

// totpFailPolicy is the TOTP failure policy with any configured quota.
func (s *Server) totpFailPolicy() ratelimit.Policy {
	rl := totpFailLimit()
	if q, ok := s.cfg.RateQuotas[rl.Policy.Name]; ok {
		rl.Policy.Quota = q
	}
	return rl.Policy
}

// totpAllowed refuses with 429 once the account used up its wrong codes.
func (s *Server) totpAllowed(c *fiber.Ctx, userID uuid.UUID) error {
	d, err := s.totpFails.Peek(c.UserContext(), "user:"+userID.String())
	if err != nil || d.Allowed {
		return err
	}
	return limitAnswer(c, s.totpFailPolicy(), d)
}

// codeFailed counts a wrong code against the account, records totp_failed
// and answers 401.
func (s *Server) codeFailed(c *fiber.Ctx, userID, tenantID uuid.UUID) error {
	if _, err := s.totpFails.Take(c.UserContext(), "user:"+userID.String()); err != nil {
		return err
	}
	if err := s.store.Record(c.UserContext(), userEvent(c, "totp_failed", tenantID.String(), userID.String())); err != nil {
		return err
	}
	return unauthorized("the code is wrong or was already used")
}
