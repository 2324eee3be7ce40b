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

// Session is a signed-in browser. The cookie carries a secret whose hash is
// TokenHash; CSRFToken must accompany state-changing cookie requests.
type Session struct {
	ID         uuid.UUID  `db:"id"`
	UserID     uuid.UUID  `db:"user_id"`
	TenantID   uuid.UUID  `db:"tenant_id"`
	CSRFToken  string     `db:"csrf_token"`
	IP         string     `db:"ip"`
	UserAgent  string     `db:"user_agent"`
	CreatedAt  time.Time  `db:"created_at"`
	LastSeenAt time.Time  `db:"last_seen_at"`
	ExpiresAt  time.Time  `db:"expires_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

// NewSession is what CreateSession needs.
type NewSession struct {
	TokenHash auth.TokenHash
	UserID    uuid.UUID
	TenantID  uuid.UUID
	CSRFToken string
	IP        string
	UserAgent string
	ExpiresAt time.Time // absolute end, however busy the session is
}

const insertSessionSQL = `INSERT INTO sessions (id, token_hash, user_id, tenant_id, csrf_token, ip, user_agent, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, user_id, tenant_id, csrf_token, ip, user_agent, created_at, last_seen_at, expires_at, revoked_at`

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, n NewSession) (Session, error) {
	rows, _ := s.pool.Query(ctx, insertSessionSQL, newID(), n.TokenHash[:], n.UserID, n.TenantID,
		n.CSRFToken, n.IP, n.UserAgent, n.ExpiresAt)
	sess, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Session])
	if err != nil {
		return Session{}, fmt.Errorf("insert session: %w", mapErr(err))
	}
	return sess, nil
}

// touchSessionSQL finds a live session and marks it used in one statement:
// not revoked, before its absolute end, used within the idle timeout, and
// its user not disabled.
const touchSessionSQL = `UPDATE sessions s SET last_seen_at = now()
FROM users u
WHERE s.token_hash = $1 AND u.id = s.user_id AND u.disabled_at IS NULL
  AND s.revoked_at IS NULL AND s.expires_at > now()
  AND s.last_seen_at > now() - make_interval(secs => $2)
RETURNING s.id, s.user_id, s.tenant_id, s.csrf_token, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at, s.revoked_at`

// TouchSession returns the live session with that secret hash and records
// its use, or ErrNotFound when it is unknown, revoked, idle too long or past
// its end.
func (s *Store) TouchSession(ctx context.Context, hash auth.TokenHash, idle time.Duration) (Session, error) {
	rows, _ := s.pool.Query(ctx, touchSessionSQL, hash[:], idle.Seconds())
	sess, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Session])
	if err != nil {
		return Session{}, fmt.Errorf("touch session: %w", mapErr(err))
	}
	return sess, nil
}

const revokeSessionSQL = `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`

// RevokeSession ends a session.
func (s *Store) RevokeSession(ctx context.Context, id uuid.UUID) error {
	if _, err := s.pool.Exec(ctx, revokeSessionSQL, id); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

const userSessionsSQL = `SELECT id, user_id, tenant_id, csrf_token, ip, user_agent, created_at, last_seen_at, expires_at, revoked_at
FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
  AND last_seen_at > now() - make_interval(secs => $2)
ORDER BY last_seen_at DESC LIMIT 500`

// UserSessions lists a user's live sessions, most recently used first.
func (s *Store) UserSessions(ctx context.Context, userID uuid.UUID, idle time.Duration) ([]Session, error) {
	rows, _ := s.pool.Query(ctx, userSessionsSQL, userID, idle.Seconds())
	ss, err := pgx.CollectRows(rows, pgx.RowToStructByName[Session])
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return ss, nil
}

const revokeOwnSessionSQL = `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`

// RevokeUserSession ends one of the user's own sessions and records ev, or
// answers ErrNotFound for anyone else's.
func (s *Store) RevokeUserSession(ctx context.Context, userID, id uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "session", id.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "revoke session", revokeOwnSessionSQL, id, userID)
	})
}

const switchTenantSQL = `UPDATE sessions s SET tenant_id = $3 FROM memberships m
WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND m.tenant_id = $3 AND m.user_id = $2`

// SwitchTenant moves a session to another tenant the user belongs to, or
// answers ErrNotFound.
func (s *Store) SwitchTenant(ctx context.Context, sessionID, userID, tenantID uuid.UUID) error {
	return execOne(ctx, s.pool, ErrNotFound, "switch tenant", switchTenantSQL, sessionID, userID, tenantID)
}
