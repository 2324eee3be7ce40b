package query

import (
	"slices"
	"testing"
)

func TestClosest(t *testing.T) {
	known := []string{"cpu_usage_ratio", "cpu_mode_ratio", "cpu_count", "memory_used_ratio", "load1", "load5", "load15"}
	for name, want := range map[string][]string{
		"cpu_usage":           {"cpu_usage_ratio"},
		"cpu_usage_ratios":    {"cpu_usage_ratio", "cpu_mode_ratio"},
		"memory_usage_ratio":  {"memory_used_ratio", "cpu_usage_ratio"},
		"load":                {"load1", "load5", "load15"},
		"lod5":                {"load5", "load1", "load15"},
		"disk_read_bytes":     {},
		"temperature_celsius": {},
	} {
		if got := Closest(name, known); !slices.Equal(got, want) {
			t.Errorf("Closest(%q) = %q, want %q", name, got, want)
		}
	}
}
