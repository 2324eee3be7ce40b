package alerting

import (
	"testing"
	"time"

	"github.com/monsys/monsys/query"
)

func TestCombineAndCompare(t *testing.T) {
	pts := []query.Point{{TimeMs: 0, Value: 0.5}, {TimeMs: 60000, Value: 0.9}, {TimeMs: 120000, Value: 0.1}}
	for agg, want := range map[string]float64{"avg": 0.5, "min": 0.1, "max": 0.9, "last": 0.1, "sum": 1.5} {
		if got, ok := combine(agg, pts); !ok || got < want-1e-9 || got > want+1e-9 {
			t.Errorf("%s = %v (%v), want %v", agg, got, ok, want)
		}
	}
	if _, ok := combine("avg", nil); ok {
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
