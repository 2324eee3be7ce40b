package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
)

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Log is the Sender without SMTP: it writes the message to the log so the
// operator can pass the link on.
type Log struct{ Logger *slog.Logger }

// Send logs m.
func (l Log) Send(_ context.Context, m Message) error {
	l.Logger.Warn("no SMTP configured (MONSYS_SMTP_URL): deliver this message by hand",
		"to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// Queue is the outbox storage Outbox drains.
type Queue interface {
	ClaimMail(ctx context.Context, limit int) ([]store.Mail, error)
	MailSent(ctx context.Context, id uuid.UUID) error
	MailFailed(ctx context.Context, id uuid.UUID, reason string, retryIn time.Duration) error
}

// Outbox sends queued mail.
type Outbox struct {
	queue  Queue
	sender Sender
	log    *slog.Logger
}

// batch bounds one run's work.
const batch = 50

// NewOutbox returns the worker that drains queue through sender.
func NewOutbox(queue Queue, sender Sender, log *slog.Logger) *Outbox {
	return &Outbox{queue: queue, sender: sender, log: log.With("component", "mail")}
}

// Run sends every due message once; failures are scheduled for a retry.
func (o *Outbox) Run(ctx context.Context) error {
	ms, err := o.queue.ClaimMail(ctx, batch)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range ms {
		if err := o.sender.Send(ctx, Message{To: m.To, Subject: m.Subject, Body: m.Body}); err != nil {
			retry := Backoff(int(m.Attempts))
			if m.Attempts >= store.MaxMailAttempts {
				o.log.Error("giving up on mail", "id", m.ID, "attempts", m.Attempts, "err", err)
			} else {
				o.log.Warn("mail not sent; will retry", "id", m.ID, "attempts", m.Attempts, "retry_in", retry, "err", err)
			}
			errs = append(errs, o.queue.MailFailed(ctx, m.ID, err.Error(), retry))
			continue
		}
		errs = append(errs, o.queue.MailSent(ctx, m.ID))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("record mail outcome: %w", err)
	}
	return nil
}

// Backoff is the wait after the attempts-th failure: 30 s doubling, at
// most an hour.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
