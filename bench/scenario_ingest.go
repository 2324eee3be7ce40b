package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// IngestScenario is `monsys-bench ingest`: a hub (started here, or one
// already running at HubURL), Agents enrolled agents with Series series
// each, the timed Phases in order, then the ceiling on the same database.
type IngestScenario struct {
	HubBin   string   // start this hub binary on a fresh data folder under Dir …
	Dir      string   // the run's scratch folder
	HubEnv   []string // extra MONSYS_* settings of the started hub
	HubURL   string   // … or use the hub running here
	Enroll   string   // its enrollment token (mse_…), with HubURL
	Database string   // its database, with HubURL: the ceiling needs it

	Agents, Series int
	Phases         []IngestConfig
	Conns          int  // the hub's flushers (MONSYS_INGEST_SHARDS) and the ceiling's connections
	Ceiling        bool // run the ceiling after the phases
	// ReplayWait bounds the wait, after a replay phase, for its samples to
	// reach every tier.
	ReplayWait time.Duration
	Victoria   string // a VictoriaMetrics base URL: the first phase again against it
	// Profile, when set, is called during the first phase with the hub
	// (it may fetch a CPU profile from MONSYS_PPROF_LISTEN).
	Profile func(ctx context.Context, phase time.Duration) error

	Progress *Progress
	Log      *slog.Logger
}

// PhaseReport is one timed phase with the hub's resource use during it.
type PhaseReport struct {
	IngestResult
	HubCPUSeconds      float64 `json:"hub_cpu_seconds,omitempty"`
	PostgresCPUSeconds float64 `json:"postgres_cpu_seconds,omitempty"`
	HubCPUPerSampleUs  float64 `json:"hub_cpu_us_per_sample,omitempty"`
	AllCPUPerSampleUs  float64 `json:"hub_and_postgres_cpu_us_per_sample,omitempty"`
	BenchCPUSeconds    float64 `json:"bench_cpu_seconds"` // the load generator's own, on the same cores
}

// IngestReport is what the scenario measured.
type IngestReport struct {
	Phases         []PhaseReport   `json:"phases"`
	HubPeakRSSMiB  float64         `json:"hub_peak_rss_mib,omitempty"`
	Ceiling        *CeilingResult  `json:"ceiling,omitempty"`
	SamplesPerSec  float64         `json:"samples_per_sec"` // the first phase's
	CeilingPerSec  float64         `json:"ceiling_samples_per_sec,omitempty"`
	Ratio          float64         `json:"ratio,omitempty"` // samples_per_sec / ceiling_samples_per_sec
	Victoria       *VictoriaReport `json:"victoriametrics,omitempty"`
	Replay         *ReplayReport   `json:"replay,omitempty"`
	Dialect        string          `json:"dialect,omitempty"`
	PostgresServer string          `json:"postgres_version,omitempty"`
}

const (
	benchEmail    = "bench@monsys.invalid"
	benchPassword = "monsys-bench-password"
)

// Run runs the scenario; a hub it started is stopped before it returns.
func (s *IngestScenario) Run(ctx context.Context) (rep IngestReport, err error) {
	api := &HubAPI{URL: s.HubURL, HTTP: NewHTTPClient(4, 30*time.Second)}
	var hub *HubProcess
	enroll, dbURL := s.Enroll, s.Database
	if s.HubURL == "" {
		env := append([]string{fmt.Sprintf("MONSYS_INGEST_SHARDS=%d", s.Conns)}, s.HubEnv...)
		if hub, err = StartHub(ctx, HubOptions{Bin: s.HubBin, Dir: filepath.Join(s.Dir, "hub"), Env: env,
			Email: benchEmail, Password: benchPassword}); err != nil {
			return rep, err
		}
		defer func() { err = errors.Join(err, hub.Stop()) }()
		s.Log.Info("hub started", "url", hub.URL, "pid", hub.PID(), "log", hub.Log)
		api.URL, dbURL = hub.URL, hub.ConnString()
		if err := api.Login(ctx, benchEmail, benchPassword); err != nil {
			return rep, err
		}
		if enroll, err = api.EnrollmentToken(ctx, "monsys-bench"); err != nil {
			return rep, err
		}
	}
	sender, err := NewSender(api.URL, NewHTTPClient(s.Agents, 60*time.Second))
	if err != nil {
		return rep, err
	}
	defer sender.Close()

	var enrolled atomic.Int64
	stop := s.Progress.Start("enroll", "agents", int64(s.Agents), 0, &enrolled)
	agents, err := Enroll(ctx, api, sender, enroll, fmt.Sprintf("bench-%d", time.Now().Unix()), s.Agents, s.Series, &enrolled)
	stop()
	if err != nil {
		return rep, err
	}
	var replayEnded time.Time
	for i, ph := range s.Phases {
		if ph.Relative > 0 && i > 0 {
			ph.Rate = ph.Relative * rep.Phases[0].SamplesPerSec
		}
		pr, err := s.phase(ctx, hub, sender, agents, ph, i == 0)
		if err != nil {
			return rep, err
		}
		rep.Phases = append(rep.Phases, pr)
		s.Log.Info("phase done", "mode", pr.Mode, "samples_per_sec", int64(pr.SamplesPerSec), "p99_ms", pr.Latency.P99, "errors", pr.Statuses)
		if ph.Replay > 0 && i > 0 {
			replayEnded = time.Now()
			rep.Replay = &ReplayReport{SamplesPerSec: pr.SamplesPerSec, SteadySamplesPerSec: rep.Phases[0].SamplesPerSec,
				Ratio: pr.SamplesPerSec / rep.Phases[0].SamplesPerSec, From: pr.ReplayedFrom, To: pr.ReplayedTo}
		}
	}
	if len(rep.Phases) > 0 {
		rep.SamplesPerSec = rep.Phases[0].SamplesPerSec
	}
	if rep.Replay != nil && dbURL != "" {
		if err := s.waitReplayed(ctx, dbURL, rep.Replay, replayEnded); err != nil {
			return rep, err
		}
	}
	if hub != nil {
		if m, err := ReadMemory("/proc", hub.PID()); err == nil {
			rep.HubPeakRSSMiB = float64(m.PeakRSS) / (1 << 20)
		}
	}
	if s.Victoria != "" && len(rep.Phases) > 0 {
		if rep.Victoria, err = s.victoria(ctx, agents, rep.Phases[0].SamplesPerSec); err != nil {
			return rep, err
		}
	}
	if !s.Ceiling || dbURL == "" || len(rep.Phases) == 0 {
		return rep, nil
	}
	return s.ceiling(ctx, dbURL, agents, rep)
}

// waitReplayed waits for the replayed samples to reach every tier.
func (s *IngestScenario) waitReplayed(ctx context.Context, dbURL string, rep *ReplayReport, ended time.Time) error {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect to the hub's database: %w", err)
	}
	defer pool.Close()
	s.Log.Info("waiting for the replayed samples to reach every tier", "at_most", s.ReplayWait.String())
	err = WaitRollupsComplete(ctx, pool, rep, ended, s.ReplayWait)
	s.Log.Info("replay", "complete", rep.Complete, "after_seconds", int64(rep.CompleteAfterSeconds),
		"raw", rep.RawSamples, "samples_1m", rep.MinuteCount, "samples_1h", rep.HourCount)
	return err
}

// victoria runs the first phase again, the same agents and samples,
// against VictoriaMetrics' import API.
func (s *IngestScenario) victoria(ctx context.Context, agents []*SimAgent, hubRate float64) (*VictoriaReport, error) {
	v := &Victoria{URL: s.Victoria, HTTP: NewHTTPClient(len(agents), 60*time.Second)}
	defer v.HTTP.CloseIdleConnections()
	cfg := s.Phases[0]
	var acked atomic.Int64
	stop := s.Progress.Start("VictoriaMetrics import", "samples", 0, cfg.Duration, &acked)
	res, err := RunIngest(ctx, v, agents, cfg, &acked)
	stop()
	if err != nil {
		return nil, err
	}
	rep := &VictoriaReport{URL: s.Victoria, Result: res, SamplesPerSec: res.SamplesPerSec}
	if res.SamplesPerSec > 0 {
		rep.Ratio = hubRate / res.SamplesPerSec
	}
	return rep, nil
}

// phase runs one timed phase and reads the hub's CPU around it.
func (s *IngestScenario) phase(ctx context.Context, hub *HubProcess, sender *Sender, agents []*SimAgent, cfg IngestConfig, first bool) (PhaseReport, error) {
	var pr PhaseReport
	pm := 0
	var before CPUSample
	if hub != nil {
		var err error
		if pm, err = hub.PostmasterPID(); err != nil {
			return pr, err
		}
		if before, err = SampleCPU("/proc", hub.PID(), pm); err != nil {
			return pr, err
		}
	}
	self0, _ := ReadProcStat("/proc", os.Getpid()) // our own stat is always readable
	var profErr chan error
	if first && s.Profile != nil {
		profErr = make(chan error, 1)
		go func() { profErr <- s.Profile(ctx, cfg.Duration) }()
	}
	var acked atomic.Int64
	label := "ingest (closed loop)"
	if cfg.Rate > 0 {
		label = fmt.Sprintf("ingest (open loop at %.0f samples/s)", cfg.Rate)
	}
	stop := s.Progress.Start(label, "samples", 0, cfg.Duration, &acked)
	res, err := RunIngest(ctx, sender, agents, cfg, &acked)
	stop()
	if profErr != nil {
		if perr := <-profErr; perr != nil {
			s.Log.Warn("hub profile not taken", "err", perr)
		}
	}
	if err != nil {
		return pr, err
	}
	pr.IngestResult = res
	self1, _ := ReadProcStat("/proc", os.Getpid())
	pr.BenchCPUSeconds = (self1.CPU() - self0.CPU()).Seconds()
	if hub != nil {
		after, err := SampleCPU("/proc", hub.PID(), pm)
		if err != nil {
			return pr, err
		}
		used := after.Sub(before)
		pr.HubCPUSeconds, pr.PostgresCPUSeconds = used.Hub.Seconds(), used.Postgres.Seconds()
		if res.Samples > 0 {
			pr.HubCPUPerSampleUs = used.Hub.Seconds() * 1e6 / float64(res.Samples)
			pr.AllCPUPerSampleUs = (used.Hub + used.Postgres).Seconds() * 1e6 / float64(res.Samples)
		}
	}
	return pr, nil
}

// ceiling writes as many rows as the first phase stored, for the same
// series, straight into the hub's database.
func (s *IngestScenario) ceiling(ctx context.Context, dbURL string, agents []*SimAgent, rep IngestReport) (IngestReport, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return rep, fmt.Errorf("parse database url: %w", err)
	}
	cfg.MaxConns = int32(s.Conns)
	cfg.ConnConfig.RuntimeParams["application_name"] = "monsys-bench"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return rep, fmt.Errorf("connect to the hub's database: %w", err)
	}
	defer pool.Close()
	rep.PostgresServer, rep.Dialect = describeDatabase(ctx, pool)
	ids := make([]string, len(agents))
	for i, a := range agents {
		ids[i] = a.ID
	}
	series, err := AgentSeries(ctx, pool, ids)
	if err != nil {
		return rep, err
	}
	first := rep.Phases[0]
	perSeries := s.Phases[0].withDefaults().PerSeries
	var written atomic.Int64
	stop := s.Progress.Start("ceiling (binary COPY)", "samples", first.Samples, 0, &written)
	c, err := RunCeiling(ctx, pool, series, CeilingConfig{Rows: first.Samples, Conns: s.Conns, PerSeries: perSeries,
		Step: time.Duration(first.IntervalMs*float64(time.Millisecond)) / time.Duration(perSeries)}, time.Now(), &written)
	stop()
	if err != nil {
		return rep, err
	}
	rep.Ceiling, rep.CeilingPerSec = &c, c.SamplesPerSec
	if c.SamplesPerSec > 0 {
		rep.Ratio = rep.SamplesPerSec / c.SamplesPerSec
	}
	return rep, nil
}

const describeSQL = `SELECT current_setting('server_version'),
	CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN 'timescaledb' ELSE 'postgres' END`

// describeDatabase names the server version and the time-series dialect,
// for the report; empty when it cannot tell.
func describeDatabase(ctx context.Context, pool *pgxpool.Pool) (version, dialect string) {
	_ = pool.QueryRow(ctx, describeSQL).Scan(&version, &dialect) // informational only
	return version, dialect
}
