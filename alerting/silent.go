package alerting

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/monsys/monsys/store"
)

// SilentStore is what the silent check needs; *store.Store is the real one.
type SilentStore interface {
	TickHub(ctx context.Context, started bool, maxGap time.Duration) (store.HubTick, error)
	SweepSilentAgents(ctx context.Context, intervals float64, grace time.Duration, limit int) (store.SilentSweep, error)
}

// maxSilentPerPass bounds the alerts one pass raises; the next pass
// raises the rest.
const maxSilentPerPass = 1000

// gapPasses is how many pass intervals may go by without any pass before
// the hub counts the stretch as an outage (jitter and a slow pass stay
// well inside it).
const gapPasses = 3

// Silent flags agents that stopped reporting and clears the flag when they
// report again. It also keeps the hub's own up time (store.TickHub), so
// that time no hub could hear the agents is not counted against them.
type Silent struct {
	st        SilentStore
	intervals float64
	every     time.Duration
	grace     time.Duration
	log       *slog.Logger
	m         *Metrics
	ticked    bool // this process has recorded a pass: later passes are not a start
	deaf      atomic.Bool
}

// StopHearing makes later passes do nothing: the hub has stopped taking
// agents' batches (it is shutting down), so their silence from now on is
// the hub's, not theirs. The next hub start begins their allowance again.
func (s *Silent) StopHearing() { s.deaf.Store(true) }

// SilentConfig is how the silent check judges agents.
type SilentConfig struct {
	Intervals float64       // silent after this many of the agent's expected intervals
	Every     time.Duration // how often Run is called
	// Grace is the least up time after a start or an outage before anyone
	// is silent: at least the agents' longest retry backoff
	// (agent/sender.MaxBackoff), so they have time to come back.
	Grace time.Duration
}

// NewSilent returns the check: silent after cfg.Intervals × the agent's
// expected interval of the hub's up time; m counts its work (nil: not
// counted). One Silent per hub process: its first pass marks the start.
func NewSilent(st SilentStore, cfg SilentConfig, log *slog.Logger, m *Metrics) *Silent {
	return &Silent{st: st, intervals: cfg.Intervals, every: cfg.Every, grace: cfg.Grace, log: log.With("component", "silent_agents"), m: m}
}

// Run makes one pass. Passes run one at a time (the worker Runner's job).
func (s *Silent) Run(ctx context.Context) error {
	if s.deaf.Load() {
		return nil
	}
	tick, err := s.st.TickHub(ctx, !s.ticked, gapPasses*s.every)
	if err != nil {
		return err
	}
	if !s.ticked || tick.Gap {
		s.log.Info("silent-agent allowance starts now", "process_start", !s.ticked, "outage", tick.Gap,
			"previous_pass", tick.Prev, "up_since", tick.UpSince)
	}
	s.ticked = true
	res, err := s.st.SweepSilentAgents(ctx, s.intervals, s.grace, maxSilentPerPass)
	s.m.silentChange(res.Raised, res.Recovered)
	if res.Raised > 0 || res.Recovered > 0 {
		s.log.Info("silent agents", "raised", res.Raised, "recovered", res.Recovered)
	}
	return err
}
