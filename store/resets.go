package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
)

// ResetTTL is how long a password-reset link works.
const ResetTTL = 30 * time.Minute

// resetTargetSQL finds the account a reset is for and the tenant its
// audit row goes to (its oldest membership).
const resetTargetSQL = `SELECT u.id, u.email, ` + auditTenantSQL + `
FROM users u WHERE lower(u.email) = lower($1) AND u.disabled_at IS NULL`

// auditTenantSQL is the tenant a user's own account events are recorded
// in: their oldest membership (” when they have none).
const auditTenantSQL = `coalesce((SELECT m.tenant_id::text FROM memberships m WHERE m.user_id = u.id
  ORDER BY m.created_at, m.tenant_id LIMIT 1), '')`

const insertResetSQL = `INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`

// RequestPasswordReset stores a reset token for the account with email
// and queues the mail that carries it; mail builds the message for the
// address as stored. It reports whether an account was found, and does
// the same database work either way, so the time taken says nothing.
func (s *Store) RequestPasswordReset(ctx context.Context, email string, hash auth.TokenHash, mail func(to string) Mail, ev audit.Event) (bool, error) {
	found := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var userID uuid.UUID
		var to, tenant string
		err := tx.QueryRow(ctx, resetTargetSQL, email).Scan(&userID, &to, &tenant)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find reset account: %w", err)
		}
		found = true
		if _, err := tx.Exec(ctx, insertResetSQL, hash[:], userID, ResetTTL.Seconds()); err != nil {
			return fmt.Errorf("insert password reset: %w", err)
		}
		if err := enqueueMail(ctx, tx, mail(to)); err != nil {
			return err
		}
		if tenant == "" {
			return nil
		}
		ev.TenantID, ev.ActorID, ev.TargetType, ev.TargetID = tenant, userID.String(), "user", userID.String()
		return recordTx(ctx, tx, &ev)
	})
	return found, err
}

const useResetSQL = `WITH r AS (UPDATE password_resets SET used_at = now()
  WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id)
SELECT u.id, ` + auditTenantSQL + ` FROM r JOIN users u ON u.id = r.user_id`

const endOtherResetsSQL = `UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`

const resetPasswordSQL = `UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now(),
  failed_logins = 0, locked_until = NULL WHERE id = $1`

// ResetPassword spends a reset token and sets the new password: every
// session of the user ends and every other reset token dies with it. TOTP
// is left as it was, so the next login still asks for a code. It answers
// ErrNotFound for an unknown, used or expired token.
func (s *Store) ResetPassword(ctx context.Context, hash auth.TokenHash, passwordHash string, ev audit.Event) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var userID uuid.UUID
		var tenant string
		if err := tx.QueryRow(ctx, useResetSQL, hash[:]).Scan(&userID, &tenant); err != nil {
			return fmt.Errorf("use password reset: %w", mapErr(err))
		}
		for _, q := range []struct{ sql, what string }{
			{endOtherResetsSQL, "end other resets"}, {revokeUserSessionsSQL, "end sessions"},
		} {
			if _, err := tx.Exec(ctx, q.sql, userID); err != nil {
				return fmt.Errorf("%s: %w", q.what, err)
			}
		}
		if _, err := tx.Exec(ctx, resetPasswordSQL, userID, passwordHash); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if tenant == "" {
			return nil
		}
		ev.TenantID, ev.ActorID, ev.TargetType, ev.TargetID = tenant, userID.String(), "user", userID.String()
		return recordTx(ctx, tx, &ev)
	})
}
