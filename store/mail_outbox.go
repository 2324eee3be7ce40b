package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Mail is one message in the outbox.
type Mail struct {
	ID       uuid.UUID `db:"id"`
	To       string    `db:"to_addr"`
	Subject  string    `db:"subject"`
	Body     string    `db:"body"`
	Attempts int32     `db:"attempts"`
}

const insertMailSQL = `INSERT INTO outbox (id, to_addr, subject, body) VALUES ($1, $2, $3, $4)`

func enqueueMail(ctx context.Context, tx pgx.Tx, m Mail) error {
	if _, err := tx.Exec(ctx, insertMailSQL, newID(), m.To, m.Subject, m.Body); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

// MailLease is how long a claimed message is hidden from other senders;
// a hub that dies mid-send lets another retry it after this.
const MailLease = 2 * time.Minute

// MaxMailAttempts is how often a message is tried before it is given up.
const MaxMailAttempts = 10

// claimMailSQL leases due messages: several hubs never send one twice at
// once (SKIP LOCKED), and a crash mid-send only delays a retry.
const claimMailSQL = `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= now() AND attempts < $3
             ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING id, to_addr, subject, body, attempts`

// ClaimMail leases up to limit due messages for sending.
func (s *Store) ClaimMail(ctx context.Context, limit int) ([]Mail, error) {
	rows, _ := s.pool.Query(ctx, claimMailSQL, limit, MailLease.Seconds(), MaxMailAttempts)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[Mail])
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	return ms, nil
}

const mailSentSQL = `UPDATE outbox SET sent_at = now(), last_error = '' WHERE id = $1`

// MailSent marks a message delivered to the mail server.
func (s *Store) MailSent(ctx context.Context, id uuid.UUID) error {
	if _, err := s.pool.Exec(ctx, mailSentSQL, id); err != nil {
		return fmt.Errorf("mark mail sent: %w", err)
	}
	return nil
}

const mailFailedSQL = `UPDATE outbox SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`

// MailFailed records a failed attempt and when to try again.
func (s *Store) MailFailed(ctx context.Context, id uuid.UUID, reason string, retryIn time.Duration) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	if _, err := s.pool.Exec(ctx, mailFailedSQL, id, reason, retryIn.Seconds()); err != nil {
		return fmt.Errorf("mark mail failed: %w", err)
	}
	return nil
}
