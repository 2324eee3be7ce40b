package bench

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// Every size gives that many distinct series with valid Prometheus names,
// and the families a host dashboard shows are there once there is room.
func TestHostSeries(t *testing.T) {
	for _, n := range []int{1, 20, 100, 1000} {
		specs := HostSeries(n)
		if len(specs) != n {
			t.Fatalf("HostSeries(%d) gave %d series", n, len(specs))
		}
		seen := map[string]bool{}
		for _, s := range specs {
			if !metricName.MatchString(s.Name) {
				t.Errorf("invalid metric name %q", s.Name)
			}
			for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
				if !labelName.MatchString(k) {
					t.Errorf("%s: invalid label name %q", s.Name, k)
				}
			}
			id := s.Name + labelString(s.Labels)
			if seen[id] {
				t.Errorf("HostSeries(%d): %s twice", n, id)
			}
			seen[id] = true
		}
	}
	var families []string
	for _, s := range HostSeries(100) {
		families = append(families, s.Name)
	}
	all := strings.Join(families, " ")
	for _, want := range []string{"cpu_seconds_total", "memory_available_bytes", "filesystem_avail_bytes", "network_receive_bytes_total", "disk_read_bytes_total"} {
		if !strings.Contains(all, want) {
			t.Errorf("100 host series have no %s", want)
		}
	}
}

func labelString(l map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(l)) {
		b.WriteString("," + k + "=" + l[k])
	}
	return b.String()
}
