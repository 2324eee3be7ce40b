package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/mail"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/workers"
)

// mailInterval is how often the outbox is drained: a reset link arrives
// within about this long.
const mailInterval = 5 * time.Second

// newMailJob is the worker that sends queued mail through MONSYS_SMTP_URL,
// or logs it when no mail server is configured.
func newMailJob(cfg config.Config, st *store.Store, log *slog.Logger) (workers.Job, error) {
	var sender mail.Sender = mail.Log{Logger: log.With("component", "mail")}
	s, err := smtpSender(cfg)
	if err != nil {
		return workers.Job{}, err
	}
	if s != nil {
		sender = s
	}
	return workers.Job{Name: "mail", Interval: mailInterval, RunAtStart: true, Run: mail.NewOutbox(st, sender, log).Run}, nil
}

// pruneAccountsJob keeps the account tables bounded (see
// store.PruneAccounts).
func pruneAccountsJob(st *store.Store, log *slog.Logger) workers.Job {
	return workers.Job{Name: "prune-accounts", Interval: time.Hour, RunAtStart: true, Run: func(ctx context.Context) error {
		n, err := st.PruneAccounts(ctx)
		if len(n) > 0 {
			log.Info("pruned spent account rows", "rows", n)
		}
		return err
	}}
}
