package query

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/tsdb"
)

// Source is the storage a Service reads; *tsdb.Reader is the real one.
// Implementations are safe for concurrent use.
type Source interface {
	AgentSeries(ctx context.Context, tenantID, agentID uuid.UUID, metrics []string, equal map[string]string, limit int) ([]tsdb.Series, error)
	MetricSeries(ctx context.Context, tenantID uuid.UUID, metric string, equal map[string]string, limit int) ([]tsdb.Series, error)
	Buckets(ctx context.Context, q tsdb.BucketQuery, dst *tsdb.Points) error
	Totals(ctx context.Context, q tsdb.BucketQuery) ([]tsdb.SeriesValue, error)
	Pending(ctx context.Context, seriesIDs []int64, from, to time.Time) (*tsdb.Pending, error)
	Names(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID, limit int) ([]tsdb.MetricName, error)
}

// Config is what a Service needs besides its Source.
type Config struct {
	Limits Limits // zero: DefaultLimits
	// Retention is how long each tier keeps data: interval=auto and top
	// read a coarser tier when a finer one no longer reaches back.
	Retention tsdb.Retention
	Now       func() time.Time // nil: time.Now
	// MaxInFlight bounds the queries reading storage at once (default
	// 16); a query waits at most QueueWait (default 1s) for a turn.
	MaxInFlight int
	QueueWait   time.Duration
	// Timeout bounds one query's storage reads (default 30s).
	Timeout time.Duration
}

// ErrBusy is returned when MaxInFlight queries are running and none ended
// within QueueWait. The API answers 503 with Retry-After.
var ErrBusy = errors.New("too many metric queries in flight")

// Service plans and answers metric queries. Safe for concurrent use.
type Service struct {
	src   Source
	cfg   Config
	slots chan struct{}
}

// New returns a Service reading src.
func New(src Source, cfg Config) *Service {
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 16
	}
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Service{src: src, cfg: cfg, slots: make(chan struct{}, cfg.MaxInFlight)}
}

// begin takes a turn to read storage and bounds the read by Timeout; call
// the returned function when done.
func (s *Service) begin(ctx context.Context) (context.Context, func(), error) {
	wait := time.NewTimer(s.cfg.QueueWait)
	defer wait.Stop()
	select {
	case s.slots <- struct{}{}:
	case <-wait.C:
		return ctx, nil, ErrBusy
	case <-ctx.Done():
		return ctx, nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	return ctx, func() { cancel(); <-s.slots }, nil
}

// maxNames bounds the metric names one answer lists.
const maxNames = 10_000

// Names lists the tenant's metric names with their label keys and series
// counts, of one agent when agentID is set.
func (s *Service) Names(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID) ([]tsdb.MetricName, error) {
	ctx, done, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	return s.src.Names(ctx, tenantID, agentID, maxNames)
}

// equalities are the label=value matchers storage can apply before the
// rest are evaluated here: a series must hold each of these labels with
// exactly that value. (="" also matches a missing label, which containment
// cannot say, so it stays out.)
func equalities(ms []Matcher) map[string]string {
	var eq map[string]string
	for _, m := range ms {
		if m.Op != MatchEqual || m.Value == "" || m.Name == NameLabel {
			continue
		}
		if eq == nil {
			eq = map[string]string{}
		}
		if v, dup := eq[m.Name]; dup && v != m.Value {
			continue // contradictory: matching will find nothing
		}
		eq[m.Name] = m.Value
	}
	return eq
}

// matching keeps the series that satisfy every matcher.
func matching(series []tsdb.Series, ms []Matcher) []tsdb.Series {
	if len(ms) == 0 {
		return series
	}
	out := series[:0]
	for _, sr := range series {
		if MatchSeries(ms, sr.Metric, sr.Labels) {
			out = append(out, sr)
		}
	}
	return out
}
