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

// Login lockout (RELIABILITY A2): after LockAfter consecutive bad
// passwords an account refuses logins for LockFor, then starts counting
// afresh. The per-IP limit keeps one attacker far below this; the lock
// stops a distributed guess without locking the owner out for long.
const (
	LockAfter = 100
	LockFor   = 15 * time.Minute
)

const loginFailedSQL = `UPDATE users SET
  failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
  locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END
WHERE id = $1 RETURNING locked_until > now()`

// LoginFailed counts a bad password for the user, locking the account
// when the count reaches LockAfter, and records ev (login_failed) when it
// has a tenant. It reports whether the account is now locked.
func (s *Store) LoginFailed(ctx context.Context, userID uuid.UUID, ev audit.Event) (bool, error) {
	var locked *bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, loginFailedSQL, userID, LockAfter, LockFor.Seconds()).Scan(&locked); err != nil {
			return fmt.Errorf("count failed login: %w", mapErr(err))
		}
		if locked != nil && *locked {
			ev.Details = map[string]any{"locked_for_s": int(LockFor.Seconds())}
		}
		if ev.TenantID == "" {
			return nil
		}
		return recordTx(ctx, tx, &ev)
	})
	return locked != nil && *locked, err
}

// Challenge is a password login waiting for its TOTP code.
type Challenge struct {
	UserID   uuid.UUID `db:"user_id"`
	TenantID uuid.UUID `db:"tenant_id"`
}

// ChallengeTTL is how long a challenge waits for its code.
const ChallengeTTL = 5 * time.Minute

const insertChallengeSQL = `INSERT INTO login_challenges (token_hash, user_id, tenant_id, expires_at)
VALUES ($1, $2, $3, now() + make_interval(secs => $4))`

// CreateChallenge stores a challenge under the hash of its secret.
func (s *Store) CreateChallenge(ctx context.Context, hash auth.TokenHash, c Challenge) error {
	if _, err := s.pool.Exec(ctx, insertChallengeSQL, hash[:], c.UserID, c.TenantID, ChallengeTTL.Seconds()); err != nil {
		return fmt.Errorf("insert login challenge: %w", err)
	}
	return nil
}

const liveChallengeSQL = `SELECT user_id, tenant_id FROM login_challenges
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`

// LiveChallenge returns the unexpired, unused challenge, or ErrNotFound.
func (s *Store) LiveChallenge(ctx context.Context, hash auth.TokenHash) (Challenge, error) {
	rows, _ := s.pool.Query(ctx, liveChallengeSQL, hash[:])
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Challenge])
	if err != nil {
		return Challenge{}, fmt.Errorf("get login challenge: %w", mapErr(err))
	}
	return c, nil
}

const useChallengeSQL = `UPDATE login_challenges SET used_at = now()
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`

// sessionOpenedSQL resets the failed-login count of a user who signed in.
const sessionOpenedSQL = `UPDATE users SET failed_logins = 0 WHERE id = $1 AND failed_logins <> 0`

// StartSession stores a new session for a login that passed every
// factor: it spends the challenge (when the login had one, so it finishes
// one login only), clears the failed-login count and records ev
// (login_succeeded) in the same transaction.
func (s *Store) StartSession(ctx context.Context, n NewSession, challenge *auth.TokenHash, ev audit.Event) (Session, error) {
	var sess Session
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if challenge != nil {
			if err := execOne(ctx, tx, ErrNotFound, "use login challenge", useChallengeSQL, challenge[:]); err != nil {
				return err
			}
		}
		rows, _ := tx.Query(ctx, insertSessionSQL, newID(), n.TokenHash[:], n.UserID, n.TenantID,
			n.CSRFToken, n.IP, n.UserAgent, n.ExpiresAt)
		var err error
		if sess, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Session]); err != nil {
			return fmt.Errorf("insert session: %w", mapErr(err))
		}
		if _, err := tx.Exec(ctx, sessionOpenedSQL, n.UserID); err != nil {
			return fmt.Errorf("reset failed logins: %w", err)
		}
		ev.Details = map[string]any{"session_id": sess.ID.String(), "mfa": challenge != nil}
		return recordTx(ctx, tx, &ev)
	})
	return sess, err
}
