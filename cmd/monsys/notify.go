package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/mail"
	"github.com/monsys/monsys/notify"
	"github.com/monsys/monsys/workers"
)

// notifyEvery is how often waiting alert events are grouped and due
// messages sent: a channel's grouping window is late by at most this.
const notifyEvery = 2 * time.Second

// newNotifications is the notification-channel service (targets sealed
// with MONSYS_TOTP_KEY, reaching what MONSYS_WEBHOOK_ALLOW_CIDRS allows,
// e-mail through MONSYS_SMTP_URL) and the worker that delivers for it.
func newNotifications(cfg config.Config, pool *pgxpool.Pool, reg prometheus.Registerer, log *slog.Logger) (*notify.Service, []workers.Job, error) {
	key, err := cfg.TOTPKeyBytes()
	if err != nil {
		return nil, nil, err
	}
	metrics, err := notify.NewMetrics(reg)
	if err != nil {
		return nil, nil, err
	}
	smtp, err := smtpSender(cfg)
	if err != nil {
		return nil, nil, err
	}
	ncfg := notify.Config{Key: key, Policy: webhookPolicy(cfg), Metrics: metrics}
	if smtp != nil {
		ncfg.Mail = smtp // a nil *mail.SMTP in the interface would not read as "none"
	}
	svc := notify.New(pool, ncfg, log)
	return svc, []workers.Job{
		{Name: "notifications", Interval: notifyEvery, RunAtStart: true, Run: svc.Run},
		{Name: "notification-log", Interval: time.Hour, RunAtStart: true, Run: func(ctx context.Context) error {
			n, err := svc.Prune(ctx, time.Now().Add(-deliveryLogKeep))
			if n > 0 {
				log.Info("pruned notification delivery log", "messages", n)
			}
			return err
		}},
	}, nil
}

// smtpSender is the hub's SMTP client, nil when MONSYS_SMTP_URL is unset.
func smtpSender(cfg config.Config) (*mail.SMTP, error) {
	if cfg.SMTPURL == "" {
		return nil, nil
	}
	s, err := mail.ParseSMTP(cfg.SMTPURL, cfg.SMTPFrom)
	if err != nil {
		return nil, fmt.Errorf("MONSYS_SMTP_URL: %w", err)
	}
	return s, nil
}
