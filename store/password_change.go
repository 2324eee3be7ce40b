package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

const changePasswordSQL = `UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now(),
  failed_logins = 0, locked_until = NULL WHERE id = $1`

const revokeOtherSessionsSQL = `UPDATE sessions SET revoked_at = now()
WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`

// ChangePassword sets a signed-in user's new password (the caller checked
// the current one), ends every other session of the user, kills pending
// reset links, and records ev (password_changed) in the same transaction.
// The session keep stays signed in.
func (s *Store) ChangePassword(ctx context.Context, userID, keep uuid.UUID, passwordHash string, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "user", userID.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, changePasswordSQL, userID, passwordHash)
		if err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("change password: %w", ErrNotFound)
		}
		if _, err := tx.Exec(ctx, revokeOtherSessionsSQL, userID, keep); err != nil {
			return fmt.Errorf("end other sessions: %w", err)
		}
		if _, err := tx.Exec(ctx, endOtherResetsSQL, userID); err != nil {
			return fmt.Errorf("end reset links: %w", err)
		}
		return nil
	})
}
