package alerting

import (
	"context"
	"log/slog"

	"github.com/monsys/monsys/store"
)

// SilentStore is what the silent check needs; *store.Store is the real one.
type SilentStore interface {
	SweepSilentAgents(ctx context.Context, intervals float64, limit int) (store.SilentSweep, error)
}

// maxSilentPerPass bounds the alerts one pass raises; the next pass
// raises the rest.
const maxSilentPerPass = 1000

// Silent flags agents that stopped reporting and clears the flag when they
// report again.
type Silent struct {
	st        SilentStore
	intervals float64
	log       *slog.Logger
	m         *Metrics
}

// NewSilent returns the check: silent after intervals × the agent's
// expected interval; m counts its work (nil: not counted).
func NewSilent(st SilentStore, intervals float64, log *slog.Logger, m *Metrics) *Silent {
	return &Silent{st: st, intervals: intervals, log: log.With("component", "silent_agents"), m: m}
}

// Run makes one pass.
func (s *Silent) Run(ctx context.Context) error {
	res, err := s.st.SweepSilentAgents(ctx, s.intervals, maxSilentPerPass)
	s.m.silentChange(res.Raised, res.Recovered)
	if res.Raised > 0 || res.Recovered > 0 {
		s.log.Info("silent agents", "raised", res.Raised, "recovered", res.Recovered)
	}
	return err
}
