package bench

import (
	"slices"
	"time"
)

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted
// durations, 0 for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100 + 0.999999999) // ceil without float noise
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Latency summarises durations in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// Summarize sorts d in place and returns its percentiles.
func Summarize(d []time.Duration) Latency {
	slices.Sort(d)
	l := Latency{Count: len(d), P50: ms(Percentile(d, 50)), P95: ms(Percentile(d, 95)), P99: ms(Percentile(d, 99))}
	if len(d) > 0 {
		l.Max = ms(d[len(d)-1])
	}
	return l
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
