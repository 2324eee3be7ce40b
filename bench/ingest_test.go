package bench

import (
	"strings"
	"testing"
	"time"
)

// The open loop's per-agent period follows from the rate, and a rate that
// would need agents to send faster than the hub allows is refused up
// front rather than measured as a storm of 429s.
func TestIngestInterval(t *testing.T) {
	c := IngestConfig{PerSeries: 6, Rate: 500_000}.withDefaults()
	got, err := c.interval(1000, 100)
	if err != nil || got != 1200*time.Millisecond {
		t.Errorf("1000 agents × 600 samples at 500 k/s: interval %v (%v), want 1.2 s", got, err)
	}
	c.PerSeries = 5
	if _, err := c.interval(1000, 100); err == nil || !strings.Contains(err.Error(), "per-agent limit") {
		t.Errorf("1000 agents × 500 samples at 500 k/s needs 1 s < 1.02 s: err = %v", err)
	}
	closed := IngestConfig{}.withDefaults()
	if got, err := closed.interval(10, 10); err != nil || got != 1020*time.Millisecond {
		t.Errorf("closed loop interval %v (%v), want the 1.02 s minimum", got, err)
	}
}
