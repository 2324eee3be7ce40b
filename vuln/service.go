package vuln

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/store"
)

// Sentinels of the vulnerability service.
var (
	ErrNotFound = errors.New("not found")
	// ErrNoData answers an import given nothing to read.
	ErrNoData = errors.New("no OSV records")
)

// Alerts is where new findings raise alerts and gone ones resolve them:
// store's alert transitions, inside the match's transaction.
type Alerts interface {
	RaiseAlert(ctx context.Context, tx pgx.Tx, a store.KeyedAlert) (bool, error)
	ResolveAlertKey(ctx context.Context, tx pgx.Tx, tenantID, agentID uuid.UUID, key, note string) (bool, error)
}

// Config tunes the service.
type Config struct {
	// AlertSeverity is the least severity of a new finding that raises an
	// alert: critical (default), high, medium, low, or "none".
	AlertSeverity string
	// Now is the clock exceptions expire by (time.Now when nil).
	Now func() time.Time
}

// Service imports OSV data, matches agents' packages against it and
// answers findings and exceptions. It owns the vuln_* tables. Safe for
// concurrent use; the matching index is rebuilt once per data generation.
type Service struct {
	pool   *pgxpool.Pool
	alerts Alerts
	log    *slog.Logger
	cfg    Config

	mu    sync.Mutex
	index *Index
}

// New returns a service over pool.
func New(pool *pgxpool.Pool, alerts Alerts, cfg Config, log *slog.Logger) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AlertSeverity == "" {
		cfg.AlertSeverity = SeverityCritical
	}
	return &Service{pool: pool, alerts: alerts, cfg: cfg, log: log.With("component", "vuln")}
}

// alertRank is the least severity rank that raises an alert; above 4
// raises none.
func (s *Service) alertRank() int {
	if s.cfg.AlertSeverity == "none" {
		return 5
	}
	return max(SeverityRank(s.cfg.AlertSeverity), 1)
}
