package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestResultJSONAndTable(t *testing.T) {
	r := &Result{Scenario: "standard", Started: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), Machine: DescribeMachine(),
		Settings: map[string]any{"agents": 200},
		Ingest: &IngestReport{
			Phases: []PhaseReport{{IngestResult: IngestResult{Mode: "closed", SamplesPerSec: 80_000, BatchesPerSec: 80,
				Latency: Latency{P50: 10, P95: 20, P99: 30}, Statuses: map[string]int{"503": 2}, LimitedBy: "server"},
				HubCPUSeconds: 4, HubCPUPerSampleUs: 0.9, AllCPUPerSampleUs: 5.5}},
			Ceiling:       &CeilingResult{Conns: 2, SamplesPerSec: 100_000},
			SamplesPerSec: 80_000, CeilingPerSec: 100_000, Ratio: 0.8, HubPeakRSSMiB: 96,
		},
		Query: &QueryReport{Agents: 20, Series: 20, Days: 2, Reps: 5, Timings: []QueryTiming{
			{Query: "one agent, 24 h at 1m", Source: "rollup", P50: 2, P95: 3},
			{Query: "one agent, 24 h at 1m", Source: "raw", P50: 20, P95: 30, RawOverRollup: 10}}},
	}
	r.Fill()
	dir := t.TempDir()
	path, err := r.WriteJSON(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, "20261127T080000Z-standard.json") {
		t.Errorf("result written to %s", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"samples_per_sec": 80_000.0, "ceiling_samples_per_sec": 100_000.0, "ratio": 0.8} {
		if got[key] != want {
			t.Errorf("JSON %s = %v, want %v", key, got[key], want)
		}
	}
	if lat, _ := got["latency"].(map[string]any); lat["p99_ms"] != 30.0 {
		t.Errorf("JSON latency = %v, want p99_ms 30", got["latency"])
	}
	if m, _ := got["machine"].(map[string]any); m["cpus"] == nil || got["settings"] == nil {
		t.Errorf("JSON lacks machine or settings: %s", b)
	}
	table := r.Markdown()
	for _, want := range []string{"| hub, closed loop | 80 k samples/s, 80 batches/s |", "| ratio hub / ceiling | 0.80 |",
		"10 / 20 / 30 ms", "map[503:2]", "| one agent, 24 h at 1m | raw | 20.0 | 30.0 | 10.0× |", "96 MiB"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestProgressPlainLinesWithoutTerminal(t *testing.T) {
	var buf bytes.Buffer
	var n atomic.Int64
	p := &Progress{W: &buf}
	stop := p.Start("load", "samples", 100, 0, &n)
	n.Store(40)
	stop()
	out := buf.String()
	if strings.Contains(out, "\r") || strings.Contains(out, "\033") {
		t.Errorf("plain output has terminal control characters: %q", out)
	}
	if !strings.Contains(out, "[############..................]  40% load: 40 samples") {
		t.Errorf("final line %q, want a 40%% bar", out)
	}
	if Bar(5, 0, 4) == "" || Bar(200, 100, 4) != "[####] 100%" {
		t.Errorf("Bar out of range: %q %q", Bar(5, 0, 4), Bar(200, 100, 4))
	}
}
