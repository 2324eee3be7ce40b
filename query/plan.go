package query

import (
	"time"

	"github.com/monsys/monsys/tsdb"
)

// Limits bound what one query may ask for. Over a limit the answer is a
// 400 naming the limit, never a slow scan.
type Limits struct {
	MaxPoints      int           // buckets per series (11 000)
	MaxTotalPoints int           // buckets over all series of an answer (1 000 000)
	MaxSeries      int           // series in one answer (1000)
	MaxCandidates  int           // series read to evaluate label matchers (20 000)
	MaxRawRange    time.Duration // range read from raw samples, steps below 1m (7 days)
	MaxRange       time.Duration // any range (5 years)
	TargetPoints   int           // what interval=auto aims at (300)
}

// DefaultLimits are the limits the hub serves with.
func DefaultLimits() Limits {
	return Limits{MaxPoints: 11_000, MaxTotalPoints: 1_000_000, MaxSeries: 1000, MaxCandidates: 20_000,
		MaxRawRange: 7 * day, MaxRange: 5 * 365 * day, TargetPoints: 300}
}

// Plan is how one range query is read.
type Plan struct {
	Tier     tsdb.Tier
	Step     time.Duration
	From, To time.Time // [From, To), aligned on Step (Unix epoch origin)
}

// Points is the number of buckets per series.
func (p Plan) Points() int { return int(p.To.Sub(p.From) / p.Step) }

// TierFor is the tier a step reads: the coarsest rollup whose bucket
// divides the step (1h for 1h, 2h, 1d …; 1m for 1m, 5m, 90m …), raw samples
// for anything else (steps below a minute, or like 90s).
func TierFor(step time.Duration) tsdb.Tier {
	switch {
	case step%time.Hour == 0:
		return tsdb.Tier1h
	case step%time.Minute == 0:
		return tsdb.Tier1m
	}
	return tsdb.TierRaw
}

// niceSteps are the steps interval=auto picks from; beyond them, whole days.
var niceSteps = [...]time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, day, 2 * day, 7 * day,
}

// niceStep is the smallest nice step at least d.
func niceStep(d time.Duration) time.Duration {
	for _, s := range niceSteps {
		if s >= d {
			return s
		}
	}
	return ceilDuration(d, day)
}

func ceilDuration(d, unit time.Duration) time.Duration { return (d + unit - 1) / unit * unit }

// PlanRange decides tier, step and aligned range for [from, to) at step
// (0: auto, ≈ TargetPoints buckets). Auto moves to a coarser tier when the
// one its step reads has not kept data back to from (ret, at now); an
// explicit step always reads its own tier.
func PlanRange(from, to time.Time, step time.Duration, l Limits, ret tsdb.Retention, now time.Time) (Plan, error) {
	if !to.After(from) {
		return Plan{}, invalidf("to", "to (%s) must be after from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	span := to.Sub(from)
	if span > l.MaxRange {
		return Plan{}, tooLargef("from", "the range is %s; at most %s", FormatInterval(span.Truncate(time.Second)), FormatInterval(l.MaxRange))
	}
	auto := step == 0
	if auto {
		step = niceStep(span / time.Duration(max(l.TargetPoints, 1)))
	}
	tier := TierFor(step)
	for auto && tier < tsdb.Tier1h && ret.Of(tier) > 0 && from.Before(now.Add(-ret.Of(tier))) {
		tier++
		step = ceilDuration(step, tier.Width())
	}
	p := Plan{Tier: tier, Step: step, From: tsdb.FloorTime(from, step), To: ceilTime(to, step)}
	if n := p.Points(); n > l.MaxPoints {
		least := niceStep(ceilDuration(span/time.Duration(l.MaxPoints), time.Second))
		return p, tooLargef("interval", "interval %s over this range is %d points per series; at most %d: use interval=%s or more, or a shorter range",
			FormatInterval(step), n, l.MaxPoints, FormatInterval(least))
	}
	if p.Tier == tsdb.TierRaw && span > l.MaxRawRange {
		return p, tooLargef("interval", "intervals that are not whole minutes read raw samples, over at most %s; use interval=1m or more, or a shorter range",
			FormatInterval(l.MaxRawRange))
	}
	return p, nil
}

// ceilTime rounds t up to a multiple of d from the Unix epoch.
func ceilTime(t time.Time, d time.Duration) time.Time {
	f := tsdb.FloorTime(t, d)
	if f.Equal(t) {
		return f
	}
	return f.Add(d)
}
