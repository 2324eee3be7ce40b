package tsdb

import (
	"fmt"
	"time"
)

// Tier is a resolution samples are read at: raw samples, or one of the
// rollups samples_1m and samples_1h.
type Tier int

// The tiers, finest first.
const (
	TierRaw Tier = iota
	Tier1m
	Tier1h
)

// String names the tier as the API's "source" field does.
func (t Tier) String() string {
	switch t {
	case Tier1m:
		return "1m"
	case Tier1h:
		return "1h"
	}
	return "raw"
}

// Width is the bucket width of a rollup tier, 0 for raw samples.
func (t Tier) Width() time.Duration {
	switch t {
	case Tier1m:
		return time.Minute
	case Tier1h:
		return time.Hour
	}
	return 0
}

// FloorTime rounds t down to a multiple of d counted from the Unix epoch,
// the origin every bucket in monsys is aligned on (in SQL too: epochSQL):
// the start of the bucket of width d that holds t.
func FloorTime(t time.Time, d time.Duration) time.Time {
	ns := t.UnixNano()
	r := ns % int64(d)
	if r < 0 {
		r += int64(d)
	}
	return time.Unix(0, ns-r).UTC()
}

// Agg is how the samples of one bucket combine into one value. Rollups
// keep count, sum, min, max and last per bucket, so every Agg reads the
// same from each tier: avg is sum/count over the bucket (not an average of
// averages), last is the value at the latest time.
type Agg string

// The aggregations a query can ask for.
const (
	AggAvg  Agg = "avg"
	AggMin  Agg = "min"
	AggMax  Agg = "max"
	AggLast Agg = "last"
	AggSum  Agg = "sum"
)

// AllAggs lists every Agg, for validation and tests.
func AllAggs() []Agg { return []Agg{AggAvg, AggMin, AggMax, AggLast, AggSum} }

// Retention is how long each tier is kept. Zero keeps a tier forever.
type Retention struct {
	Raw       time.Duration
	OneMinute time.Duration
	OneHour   time.Duration
}

// Of is the retention of tier t.
func (r Retention) Of(t Tier) time.Duration {
	switch t {
	case Tier1m:
		return r.OneMinute
	case Tier1h:
		return r.OneHour
	}
	return r.Raw
}

// intervalText renders d as a PostgreSQL interval literal ("30 days",
// "36 hours", "90 seconds") for policies, so they read well in
// timescaledb_information.jobs.
func intervalText(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return fmt.Sprintf("%d seconds", d/time.Second)
}
