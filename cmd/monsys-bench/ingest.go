package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/monsys/monsys/bench"
)

// ingestFlags are the flags of `ingest` (and the ingest half of `standard`).
type ingestFlags struct {
	agents, series, perSeries, conns int
	phases                           string
	duration, minInterval            time.Duration
	spoolInterval, replayWait        time.Duration
	hubEnv                           []string
	noCeiling, profile               bool
	hubBin, hubURL, token, dbURL     string
	victoria                         string
}

func (f *ingestFlags) register(fs *pflag.FlagSet, agents, perSeries int, phases string, duration time.Duration) {
	fs.IntVar(&f.agents, "agents", agents, "simulated agents, each enrolled with its own Ed25519 key")
	fs.IntVar(&f.series, "series", 100, "series per agent (host metrics: cpu by mode, memory, filesystems, network, disks)")
	fs.IntVar(&f.perSeries, "samples-per-series", perSeries, "samples of each series in one batch (samples per batch = series × this)")
	fs.StringVar(&f.phases, "phases", phases, "timed phases in order: max (closed loop), a rate in samples/s (open loop), a fraction of the first phase's rate such as 0.5x, "+
		"or (after the first) replay:6h, a closed loop replaying each agent's spool from 6 h back, oldest first, then waiting for every tier to hold it")
	fs.DurationVar(&f.spoolInterval, "spool-interval", 10*time.Second, "the agents' interval in a replay: each replayed batch is one interval later than the one before")
	fs.DurationVar(&f.replayWait, "replay-wait", 20*time.Minute, "after a replay, wait at most this long for the rollups to hold every replayed sample")
	fs.StringArrayVar(&f.hubEnv, "hub-env", nil, "KEY=VALUE for the started hub, e.g. MONSYS_INGEST_BATCHES_PER_MINUTE=6000 with a short --min-interval (repeatable)")
	fs.DurationVar(&f.duration, "duration", duration, "length of each timed phase")
	fs.DurationVar(&f.minInterval, "min-interval", 1020*time.Millisecond, "an agent never sends more often (the hub allows 60 batches a minute per agent)")
	fs.IntVar(&f.conns, "conns", 2, "the hub's ingest flushers (MONSYS_INGEST_SHARDS) and the ceiling's connections")
	fs.BoolVar(&f.noCeiling, "no-ceiling", false, "skip the raw-COPY ceiling")
	fs.BoolVar(&f.profile, "profile", false, "take a CPU profile of the hub during the first phase (via MONSYS_PPROF_LISTEN) and print its top")
	fs.StringVar(&f.hubBin, "hub-bin", "", "the monsys binary to start (default: go build ./cmd/monsys)")
	fs.StringVar(&f.hubURL, "hub", "", "use the hub running at this URL instead of starting one (no CPU figures)")
	fs.StringVar(&f.token, "token", "", "with --hub: an enrollment token (mse_…)")
	fs.StringVar(&f.dbURL, "database-url", "", "with --hub: its database, for the ceiling")
	fs.StringVar(&f.victoria, "vs-victoriametrics", "", "also send the first phase's samples to a VictoriaMetrics single node at this URL")
}

// parsePhases reads --phases.
func (f *ingestFlags) parsePhases() ([]bench.IngestConfig, error) {
	var out []bench.IngestConfig
	for i, p := range strings.Split(f.phases, ",") {
		c := bench.IngestConfig{PerSeries: f.perSeries, MinInterval: f.minInterval, Duration: f.duration}
		p = strings.TrimSpace(p)
		switch {
		case p == "max":
		case strings.HasPrefix(p, "replay:") && i > 0:
			d, err := time.ParseDuration(strings.TrimPrefix(p, "replay:"))
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("--phases: %q: want replay:<how far back>, such as replay:6h", p)
			}
			c.Replay, c.SpoolInterval = d, f.spoolInterval
		case strings.HasSuffix(p, "x") && i > 0:
			x, err := strconv.ParseFloat(strings.TrimSuffix(p, "x"), 64)
			if err != nil || x <= 0 {
				return nil, fmt.Errorf("--phases: %q: want a positive fraction such as 0.5x", p)
			}
			c.Relative = x
		default:
			r, err := strconv.ParseFloat(p, 64)
			if err != nil || r <= 0 {
				return nil, fmt.Errorf("--phases: %q: want max, samples/s, or (after the first) a fraction such as 0.5x", p)
			}
			c.Rate = r
		}
		out = append(out, c)
	}
	return out, nil
}

func (f *ingestFlags) settings() map[string]any {
	return map[string]any{"agents": f.agents, "series_per_agent": f.series, "samples_per_series": f.perSeries,
		"samples_per_batch": f.series * f.perSeries, "phases": f.phases, "phase_seconds": f.duration.Seconds(),
		"min_interval_ms": f.minInterval.Milliseconds(), "conns": f.conns, "external_hub": f.hubURL != "",
		"spool_interval_s": f.spoolInterval.Seconds(), "hub_env": f.hubEnv}
}

// runIngest runs the ingest scenario into r.result.
func (f *ingestFlags) runIngest(ctx context.Context, r *run) error {
	phases, err := f.parsePhases()
	if err != nil {
		return err
	}
	if f.hubURL != "" && f.token == "" {
		return fmt.Errorf("--hub needs --token (an enrollment token)")
	}
	s := &bench.IngestScenario{Dir: r.dir, HubURL: strings.TrimSuffix(f.hubURL, "/"), Enroll: f.token, Database: f.dbURL,
		Agents: f.agents, Series: f.series, Phases: phases, Conns: f.conns, Ceiling: !f.noCeiling, ReplayWait: f.replayWait, HubEnv: f.hubEnv,
		Victoria: strings.TrimSuffix(f.victoria, "/"), Progress: r.progress, Log: r.log}
	if f.hubURL == "" {
		if s.HubBin, err = hubBinary(ctx, f.hubBin, r.dir, r.log); err != nil {
			return err
		}
	}
	if f.profile && f.hubURL == "" {
		port, err := bench.FreePort()
		if err != nil {
			return err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		s.HubEnv = append(s.HubEnv, "MONSYS_PPROF_LISTEN="+addr)
		path := filepath.Join(r.resultsDir, r.result.Started.Format("20060102T150405Z")+"-"+r.result.Scenario+"-hub-cpu.pprof")
		s.Profile = func(ctx context.Context, phase time.Duration) error {
			// Skip the first seconds (connections, caches) and end before the phase does.
			secs := max(int(phase.Seconds())-6, 1)
			select {
			case <-time.After(3 * time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
			top, err := bench.CaptureProfile(ctx, addr, secs, path, 25)
			if err == nil {
				r.result.Profile = top
				r.log.Info("hub CPU profile saved", "path", path)
			}
			return err
		}
	}
	rep, err := s.Run(ctx)
	if err != nil {
		return err
	}
	r.result.Ingest = &rep
	return nil
}

func newIngestCommand() *cobra.Command {
	var c common
	var f ingestFlags
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Simulated agents against a real hub, then the raw-COPY ceiling on its database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := c.start("ingest", f.settings())
			if err != nil {
				return err
			}
			defer r.cleanup()
			if err := f.runIngest(cmd.Context(), r); err != nil {
				return err
			}
			return c.finish(r)
		},
	}
	c.register(cmd.Flags())
	f.register(cmd.Flags(), 100, 10, "max", time.Minute)
	return cmd
}
