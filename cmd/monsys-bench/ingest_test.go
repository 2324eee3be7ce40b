package main

import (
	"strings"
	"testing"
	"time"
)

func TestParsePhases(t *testing.T) {
	f := ingestFlags{perSeries: 6, minInterval: time.Second, duration: time.Minute, phases: "max, 500000,0.5x"}
	got, err := f.parsePhases()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Rate != 0 || got[0].Relative != 0 || got[1].Rate != 500000 || got[2].Relative != 0.5 {
		t.Fatalf("phases %+v", got)
	}
	for _, p := range got {
		if p.PerSeries != 6 || p.MinInterval != time.Second || p.Duration != time.Minute {
			t.Errorf("phase %+v lost the common settings", p)
		}
	}
	for _, bad := range []string{"0.5x", "max,fast", "max,-3", "max,0x", ""} {
		f.phases = bad
		if _, err := f.parsePhases(); err == nil || !strings.Contains(err.Error(), "--phases") {
			t.Errorf("--phases %q: err = %v, want one naming --phases", bad, err)
		}
	}
}
