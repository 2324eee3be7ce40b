package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Result is one monsys-bench run, as written to bench/results.
type Result struct {
	Scenario string         `json:"scenario"`
	Started  time.Time      `json:"started_at"`
	Seconds  float64        `json:"seconds"`
	Machine  Machine        `json:"machine"`
	Settings map[string]any `json:"settings"`

	// The headline figures, copied from Ingest for readers of the JSON.
	SamplesPerSec        float64  `json:"samples_per_sec,omitempty"`
	CeilingSamplesPerSec float64  `json:"ceiling_samples_per_sec,omitempty"`
	Ratio                float64  `json:"ratio,omitempty"`
	LatencyMs            *Latency `json:"latency,omitempty"`

	Ingest  *IngestReport `json:"ingest,omitempty"`
	Query   *QueryReport  `json:"query,omitempty"`
	Web     *WebReport    `json:"web,omitempty"`
	Profile string        `json:"hub_profile_top,omitempty"` // go tool pprof -top head, where taken
}

// Fill copies the headline figures from the ingest report.
func (r *Result) Fill() {
	if r.Ingest == nil || len(r.Ingest.Phases) == 0 {
		return
	}
	r.SamplesPerSec, r.CeilingSamplesPerSec, r.Ratio = r.Ingest.SamplesPerSec, r.Ingest.CeilingPerSec, r.Ingest.Ratio
	l := r.Ingest.Phases[0].Latency
	r.LatencyMs = &l
}

func (r *Result) victoria() *VictoriaReport {
	if r.Ingest == nil {
		return nil
	}
	return r.Ingest.Victoria
}

// WriteJSON writes r to dir as <UTC time>-<scenario>.json and returns the path.
func (r *Result) WriteJSON(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create results folder: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode result: %w", err)
	}
	path := filepath.Join(dir, r.Started.UTC().Format("20060102T150405Z")+"-"+r.Scenario+".json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write result: %w", err)
	}
	return path, nil
}

// Markdown is the summary table printed at the end of a run.
func (r *Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "monsys-bench %s, %s, %d CPUs (%s), load %s at start\n\n", r.Scenario,
		r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Machine.CPUs, r.Machine.CPUModel, r.Machine.Load1)
	b.WriteString("| what | figure |\n|---|---|\n")
	row := func(what, format string, args ...any) {
		fmt.Fprintf(&b, "| %s | "+format+" |\n", append([]any{what}, args...)...)
	}
	if in := r.Ingest; in != nil {
		for i, p := range in.Phases {
			name := "hub, closed loop"
			if p.Mode == "open" {
				name = "hub, open loop at " + rate(p.TargetRate)
			}
			row(name, "%s, %.0f batches/s", rate(p.SamplesPerSec), p.BatchesPerSec)
			if p.LimitedBy != "" {
				row(name+": limited by", "%s", p.LimitedBy)
			}
			row(name+": batch latency p50 / p95 / p99", "%.0f / %.0f / %.0f ms", p.Latency.P50, p.Latency.P95, p.Latency.P99)
			if p.Unsent > 0 {
				row(name+": batches not sent, agents still awaiting answers at the end", "%d", p.Unsent)
			}
			if len(p.Statuses) > 0 {
				row(name+": errors by status", "%v", p.Statuses)
			}
			if p.HubCPUSeconds > 0 {
				row(name+": CPU per sample, hub / hub + PostgreSQL", "%.2f / %.2f µs", p.HubCPUPerSampleUs, p.AllCPUPerSampleUs)
			}
			if i == 0 && in.Ceiling != nil {
				row("ceiling: binary COPY, same rows, same database", "%s over %d connections", rate(in.CeilingPerSec), in.Ceiling.Conns)
				row("ratio hub / ceiling", "%.2f", in.Ratio)
			}
		}
		if rp := in.Replay; rp != nil {
			row("replay: samples from", "%s to %s", rp.From.UTC().Format(time.RFC3339), rp.To.UTC().Format(time.RFC3339))
			row("replay / steady throughput", "%.2f (%s / %s)", rp.Ratio, rate(rp.SamplesPerSec), rate(rp.SteadySamplesPerSec))
			if rp.Complete {
				row("replay: every tier complete after the replay ended", "%.0f s", rp.CompleteAfterSeconds)
			} else {
				row("replay: NOT complete after", "%.0f s (raw %d, 1m %d, 1h %d, invalidations left %d)",
					rp.CompleteAfterSeconds, rp.RawSamples, rp.MinuteCount, rp.HourCount, rp.InvalidationsLeft)
			}
		}
		if in.HubPeakRSSMiB > 0 {
			row("hub peak RSS", "%.0f MiB", in.HubPeakRSSMiB)
		}
	}
	if v := r.victoria(); v != nil {
		row("VictoriaMetrics import, same samples", "%s (hub / VictoriaMetrics %.2f)", rate(v.SamplesPerSec), v.Ratio)
	}
	if q := r.Query; q != nil {
		fmt.Fprintf(&b, "\nqueries: %d agents × %d series × %d days at 60 s = %d samples (%s); rollup catch-up %.0f s; %d repetitions\n\n",
			q.Agents, q.Series, q.Days, q.Samples, q.Dialect, q.CatchUpSeconds, q.Reps)
		b.WriteString("| query | source | p50 ms | p95 ms | raw / rollup p50 |\n|---|---|---|---|---|\n")
		for _, t := range q.Timings {
			ratio := ""
			if t.RawOverRollup > 0 {
				ratio = fmt.Sprintf("%.1f×", t.RawOverRollup)
			}
			fmt.Fprintf(&b, "| %s | %s | %.1f | %.1f | %s |\n", t.Query, t.Source, t.P50, t.P95, ratio)
		}
	}
	if r.Web != nil {
		r.Web.markdown(&b)
	}
	return b.String()
}

// rate formats samples per second for the table.
func rate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2f M samples/s", r/1e6)
	case r >= 1e4:
		return fmt.Sprintf("%.0f k samples/s", r/1e3)
	default:
		return fmt.Sprintf("%.0f samples/s", r)
	}
}
