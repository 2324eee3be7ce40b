package alerting

import (
	"testing"
	"time"

	"github.com/monsys/monsys/query"
)

func TestCombineAndCompare(t *testing.T) {
	pts := []query.Point{{TimeMs: 0, Value: 0.5}, {TimeMs: 60000, Value: 0.9}, {TimeMs: 120000, Value: 0.1}}
	for agg, want := range map[string]float64{"avg": 0.5, "min": 0.1, "max": 0.9, "last": 0.1, "sum": 1.5} {
		if got, ok := combine(agg, pts, 0, time.Time{}); !ok || got < want-1e-9 || got > want+1e-9 {
			t.Errorf("%s = %v (%v), want %v", agg, got, ok, want)
		}
	}
	if _, ok := combine("avg", nil, 0, time.Time{}); ok {
		t.Error("no points gave a value")
	}
	for _, c := range []struct {
		v, th float64
		op    string
		want  bool
	}{{1, 1, ">", false}, {1, 1, ">=", true}, {0.5, 1, "<", true}, {1, 1, "<=", true}, {1, 1, "==", true}, {1, 2, "!=", true}, {1, 2, "~", false}} {
		if got := compare(c.v, c.op, c.th); got != c.want {
			t.Errorf("%v %s %v = %v", c.v, c.op, c.th, got)
		}
	}
}

func TestSpecValidate(t *testing.T) {
	ok := Spec{Name: "disk", Metric: "disk_used_ratio", Match: `{mount="/"}`, Agg: "max", Op: ">", Threshold: 0.9,
		Window: 5 * time.Minute, For: 10 * time.Minute, Severity: "critical", Scope: ScopeTag, Tag: "team:db"}
	if errs := ok.Validate(); len(errs) > 0 {
		t.Fatalf("valid spec refused: %v", errs)
	}
	bad := ok
	bad.Window, bad.For, bad.Scope, bad.AgentSet = 90*time.Second, -time.Second, ScopeFleet, true
	fields := map[string]bool{}
	for _, e := range bad.Validate() {
		fields[e.Field] = true
	}
	if !fields["window"] || !fields["for"] || !fields["scope"] {
		t.Errorf("errors on %v, want window, for and scope", fields)
	}
}

// TestIncreaseAndPredictLinear: a counter's growth over the window (a
// restart counts from zero); a line through the window read ahead, only
// when the points span a quarter of the window.
func TestIncreaseAndPredictLinear(t *testing.T) {
	pts := func(vs ...float64) []query.Point {
		out := make([]query.Point, len(vs))
		for i, v := range vs {
			out[i] = query.Point{TimeMs: int64(i) * 3_600_000, Value: v}
		}
		return out
	}
	if v, ok := combine(AggIncrease, pts(3, 5, 9), time.Hour, time.Time{}); !ok || v != 6 {
		t.Errorf("increase 3→9 = %v, %v; want 6", v, ok)
	}
	if v, ok := combine(AggIncrease, pts(7, 8, 2), time.Hour, time.Time{}); !ok || v != 2 {
		t.Errorf("increase over a restart 7→2 = %v, %v; want 2", v, ok)
	}
	// 100, 90, 80 … at hours 0, 1, 2: 10 an hour down; at hour 12 it is -20.
	at := time.UnixMilli(12 * 3_600_000)
	if v, ok := combine(AggPredictLinear, pts(100, 90, 80), 6*time.Hour, at); !ok || v < -20.000001 || v > -19.999999 {
		t.Errorf("predict_linear = %v, %v; want -20", v, ok)
	}
	if _, ok := combine(AggPredictLinear, pts(100, 90, 80), 24*time.Hour, at); ok {
		t.Errorf("2 h of points in a 24 h window answered; want no answer until 6 h are there")
	}
}
