package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
)

// TOTPState is a user's second factor: the secret (from setup on), when it
// was enabled (nil while setup is pending) and the last accepted step.
type TOTPState struct {
	Secret    string
	EnabledAt *time.Time
	LastStep  int64
}

const totpStateSQL = `SELECT coalesce(convert_from(totp_secret, 'UTF8'), ''), totp_enabled_at, coalesce(totp_last_step, 0)
FROM users WHERE id = $1`

// TOTP returns the user's TOTP state.
func (s *Store) TOTP(ctx context.Context, userID uuid.UUID) (TOTPState, error) {
	var st TOTPState
	if err := s.pool.QueryRow(ctx, totpStateSQL, userID).Scan(&st.Secret, &st.EnabledAt, &st.LastStep); err != nil {
		return TOTPState{}, fmt.Errorf("get totp state: %w", mapErr(err))
	}
	return st, nil
}

const pendingTOTPSQL = `UPDATE users SET totp_secret = convert_to($2, 'UTF8'), totp_last_step = NULL, updated_at = now()
WHERE id = $1 AND totp_enabled_at IS NULL`

// SetPendingTOTP stores a new secret awaiting its first code. It answers
// ErrConflict while TOTP is enabled: disable it first.
func (s *Store) SetPendingTOTP(ctx context.Context, userID uuid.UUID, secret string) error {
	return execOne(ctx, s.pool, fmt.Errorf("%w: totp is already enabled", ErrConflict), "store pending totp secret", pendingTOTPSQL, userID, secret)
}

// useStepSQL accepts a step only if it is later than every step accepted
// before: two requests with the same code cannot both pass.
const useStepSQL = `UPDATE users SET totp_last_step = $2
WHERE id = $1 AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $2)`

// UseTOTPStep records step as used. It answers ErrConflict when that step
// (or a later one) was already used.
func (s *Store) UseTOTPStep(ctx context.Context, userID uuid.UUID, step int64) error {
	return useTOTPStep(ctx, s.pool, userID, step)
}

func useTOTPStep(ctx context.Context, q execer, userID uuid.UUID, step int64) error {
	return execOne(ctx, q, fmt.Errorf("%w: code already used", ErrConflict), "use totp step", useStepSQL, userID, step)
}

const enableTOTPSQL = `UPDATE users SET totp_enabled_at = now(), updated_at = now() WHERE id = $1 AND totp_enabled_at IS NULL`

const deleteRecoverySQL = `DELETE FROM recovery_codes WHERE user_id = $1`

// EnableTOTP turns TOTP on after the first code (step) proved the
// authenticator, and replaces the recovery codes.
func (s *Store) EnableTOTP(ctx context.Context, userID uuid.UUID, step int64, recovery []auth.TokenHash, ev audit.Event) error {
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		if err := useTOTPStep(ctx, tx, userID, step); err != nil {
			return err
		}
		if err := execOne(ctx, tx, fmt.Errorf("%w: already enabled", ErrConflict), "enable totp", enableTOTPSQL, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, deleteRecoverySQL, userID); err != nil {
			return fmt.Errorf("drop old recovery codes: %w", err)
		}
		rows := make([][]any, len(recovery))
		for i, h := range recovery {
			rows[i] = []any{userID, h[:]}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"recovery_codes"}, []string{"user_id", "code_hash"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("store recovery codes: %w", err)
		}
		return nil
	})
}

const disableTOTPSQL = `UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = now()
WHERE id = $1 AND totp_enabled_at IS NOT NULL`

// DisableTOTP turns TOTP off and drops the recovery codes.
func (s *Store) DisableTOTP(ctx context.Context, userID uuid.UUID, ev audit.Event) error {
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		if err := execOne(ctx, tx, ErrNotFound, "disable totp", disableTOTPSQL, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, deleteRecoverySQL, userID); err != nil {
			return fmt.Errorf("drop recovery codes: %w", err)
		}
		return nil
	})
}

const useRecoverySQL = `UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`

// UseRecoveryCode spends one recovery code, or answers ErrNotFound when it
// is unknown or already spent.
func (s *Store) UseRecoveryCode(ctx context.Context, userID uuid.UUID, hash auth.TokenHash) error {
	return execOne(ctx, s.pool, ErrNotFound, "use recovery code", useRecoverySQL, userID, hash[:])
}
