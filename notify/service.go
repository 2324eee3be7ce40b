package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/mail"
	"github.com/monsys/monsys/webhook"
)

// Config tunes the service. Zero fields take the defaults in doc.go.
type Config struct {
	// Key (32 bytes, MONSYS_TOTP_KEY) seals targets; nil stores them as is.
	Key    []byte
	Policy webhook.Policy // which addresses targets may reach
	// Mail sends e-mail channels' messages (the hub's SMTP client); nil
	// fails them with a message naming MONSYS_SMTP_URL.
	Mail     mail.Sender
	Schedule []time.Duration // delay before each retry
	Timeout  time.Duration   // per attempt
	Batch    int             // messages claimed per pass (default 50)
	// Now is the clock of grouping, quiet hours and retries (time.Now
	// when nil); tests move it.
	Now func() time.Time
	// Metrics counts attempts and grouped events; nil counts nothing.
	Metrics *Metrics
}

// DefaultSchedule is the wait before each retry of a failed message.
var DefaultSchedule = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour}

// Service keeps a tenant's channels and sends their messages.
type Service struct {
	pool *pgxpool.Pool
	cfg  Config
	log  *slog.Logger
}

// New returns a Service over pool.
func New(pool *pgxpool.Pool, cfg Config, log *slog.Logger) *Service {
	if cfg.Schedule == nil {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{pool: pool, cfg: cfg, log: log.With("component", "notify")}
}

func (s *Service) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	if err := pgx.BeginFunc(ctx, s.pool, fn); err != nil {
		return fmt.Errorf("notify transaction: %w", err)
	}
	return nil
}
