package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// IngestConfig is one timed ingest phase.
type IngestConfig struct {
	PerSeries int // samples of each series in a batch
	// Rate is the target in samples per second over all agents (open
	// loop); 0 runs closed loop: each agent sends its next batch when the
	// previous one is answered, but never sooner than MinInterval.
	Rate float64
	// Relative, when set, makes Rate this fraction of the first phase's
	// measured rate (0.5: half of what the closed loop reached).
	Relative    float64
	MinInterval time.Duration // the hub allows 60 batches a minute per agent: default 1.02 s
	Duration    time.Duration
	// Replay, when set, makes the phase a spool replay: each agent's
	// batches hold its intervals from Replay before the phase began on,
	// oldest first, one SpoolInterval (default 10 s) each, as an agent
	// sends its spool after an outage. The samples are late.
	Replay        time.Duration
	SpoolInterval time.Duration
}

func (c IngestConfig) withDefaults() IngestConfig {
	if c.MinInterval <= 0 {
		c.MinInterval = 1020 * time.Millisecond
	}
	if c.PerSeries <= 0 {
		c.PerSeries = 1
	}
	if c.SpoolInterval <= 0 {
		c.SpoolInterval = 10 * time.Second
	}
	return c
}

// interval is each agent's batch period in open loop, MinInterval in
// closed loop.
func (c IngestConfig) interval(agents, series int) (time.Duration, error) {
	if c.Rate <= 0 {
		return c.MinInterval, nil
	}
	per := time.Duration(float64(agents*series*c.PerSeries) / c.Rate * float64(time.Second))
	if per < c.MinInterval {
		return 0, fmt.Errorf("a rate of %.0f samples/s with %d agents × %d series × %d samples needs a batch every %s per agent, "+
			"more often than the hub's per-agent limit allows (%s): raise the samples per series or the agents",
			c.Rate, agents, series, c.PerSeries, per.Round(time.Millisecond), c.MinInterval)
	}
	return per, nil
}

// IngestResult is what one timed phase measured at the client.
type IngestResult struct {
	Mode          string         `json:"mode"` // open or closed
	TargetRate    float64        `json:"target_samples_per_sec,omitempty"`
	IntervalMs    float64        `json:"batch_interval_ms"` // per agent
	Seconds       float64        `json:"seconds"`
	Samples       int64          `json:"samples"` // acknowledged (200)
	Batches       int64          `json:"batches"`
	SamplesPerSec float64        `json:"samples_per_sec"`
	BatchesPerSec float64        `json:"batches_per_sec"`
	Latency       Latency        `json:"latency"`                    // of acknowledged batches, from their scheduled send time
	Statuses      map[string]int `json:"errors_by_status,omitempty"` // every answer but 200, and "network"
	// LimitedBy says what bounded a closed loop: "server" when the agents
	// waited for answers, "agent pacing" when they mostly waited for
	// MinInterval (the server was not saturated: add agents or samples).
	LimitedBy string `json:"limited_by,omitempty"`
	// Unsent counts the open loop's scheduled batches that were still
	// waiting for an agent's previous answer when the phase ended: the
	// target rate was beyond what the hub answered.
	Unsent int64 `json:"unsent_batches,omitempty"`
	// ReplayedFrom and ReplayedTo bound the sample times a replay phase
	// sent.
	ReplayedFrom time.Time `json:"replayed_from,omitzero"`
	ReplayedTo   time.Time `json:"replayed_to,omitzero"`
}

// agentTally is one agent's counts; its goroutine owns it until merged.
type agentTally struct {
	newest                   int // the last batch of a replay
	samples, batches, unsent int64
	latencies                []time.Duration
	statuses                 map[string]int
}

// Target is where a phase sends: the hub's ingest API or another
// database's import API. Send builds an agent's next batch (perSeries
// samples of each series, step apart, the newest at end), sends it and
// returns its samples and the HTTP status (0 and the error on a network
// failure). It is called from one goroutine per agent.
type Target interface {
	Send(ctx context.Context, a *SimAgent, end time.Time, perSeries int, step time.Duration) (samples, status int, err error)
}

// RunIngest runs one timed phase: every agent sends batches until
// cfg.Duration has passed, then the answers still in flight are awaited.
// done, when set, is advanced by the samples of each acknowledged batch.
func RunIngest(ctx context.Context, target Target, agents []*SimAgent, cfg IngestConfig, done *atomic.Int64) (IngestResult, error) {
	cfg = cfg.withDefaults()
	if len(agents) == 0 {
		return IngestResult{}, errors.New("run ingest: no agents")
	}
	series := len(agents[0].Series)
	interval, err := cfg.interval(len(agents), series)
	if err != nil {
		return IngestResult{}, err
	}
	res := IngestResult{Mode: "closed", IntervalMs: ms(interval), Statuses: map[string]int{}}
	if cfg.Rate > 0 {
		res.Mode, res.TargetRate = "open", cfg.Rate
	}
	step := interval / time.Duration(cfg.PerSeries)
	if cfg.Replay > 0 {
		step = cfg.SpoolInterval / time.Duration(cfg.PerSeries)
	}
	start := time.Now()
	end := start.Add(cfg.Duration)
	tallies := make([]agentTally, len(agents))
	var wg sync.WaitGroup
	for i, a := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tallies[i]
			t.statuses = map[string]int{}
			next := start.Add(interval * time.Duration(i) / time.Duration(len(agents))) // spread evenly
			for k := 0; next.Before(end); k++ {
				if !time.Now().Before(end) { // behind schedule at the end: the rest is not sent
					if cfg.Rate > 0 {
						t.unsent += int64(end.Sub(next)/interval) + 1
					}
					break
				}
				if !sleepUntil(ctx, next) {
					return
				}
				sent := time.Now()
				scheduled := next
				if cfg.Rate <= 0 {
					scheduled = sent // closed loop: latency of the request itself
				}
				at := scheduled
				if cfg.Replay > 0 {
					at = start.Add(-cfg.Replay + time.Duration(k)*cfg.SpoolInterval)
					t.newest = max(t.newest, k)
				}
				samples, status, err := target.Send(ctx, a, at, cfg.PerSeries, step)
				answered := time.Now()
				switch {
				case err != nil && ctx.Err() != nil:
					return
				case err != nil:
					t.statuses["network"]++
				case status == 200:
					t.samples += int64(samples)
					t.batches++
					t.latencies = append(t.latencies, answered.Sub(scheduled))
					if done != nil {
						done.Add(int64(samples))
					}
				default:
					t.statuses[strconv.Itoa(status)]++
				}
				if cfg.Rate > 0 {
					next = next.Add(interval) // open loop: the schedule does not wait for answers
				} else {
					next = sent.Add(cfg.MinInterval)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("run ingest: %w", err)
	}
	res.Seconds = time.Since(start).Seconds()
	var all []time.Duration
	for _, t := range tallies {
		res.Samples += t.samples
		res.Batches += t.batches
		res.Unsent += t.unsent
		all = append(all, t.latencies...)
		for k, v := range t.statuses {
			res.Statuses[k] += v
		}
	}
	res.Latency = Summarize(all)
	if cfg.Replay > 0 {
		newest := 0
		for _, t := range tallies {
			newest = max(newest, t.newest)
		}
		res.ReplayedFrom = start.Add(-cfg.Replay - cfg.SpoolInterval)
		res.ReplayedTo = start.Add(-cfg.Replay + time.Duration(newest)*cfg.SpoolInterval).Add(time.Millisecond)
	}
	res.SamplesPerSec = float64(res.Samples) / res.Seconds
	res.BatchesPerSec = float64(res.Batches) / res.Seconds
	if cfg.Rate <= 0 {
		res.LimitedBy = "server"
		if res.BatchesPerSec > 0.9*float64(len(agents))/cfg.MinInterval.Seconds() {
			res.LimitedBy = "agent pacing"
		}
	}
	return res, nil
}

// sleepUntil waits for t or ctx, reporting whether t came.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
