package query

import (
	"errors"
	"testing"
	"time"

	"github.com/monsys/monsys/tsdb"
)

var planNow = time.Date(2026, 11, 27, 6, 30, 7, 0, time.UTC)

func TestTierFor(t *testing.T) {
	cases := map[time.Duration]tsdb.Tier{
		time.Second: tsdb.TierRaw, 10 * time.Second: tsdb.TierRaw, 59 * time.Second: tsdb.TierRaw, 90 * time.Second: tsdb.TierRaw,
		time.Minute: tsdb.Tier1m, 5 * time.Minute: tsdb.Tier1m, 90 * time.Minute: tsdb.Tier1m, 59 * time.Minute: tsdb.Tier1m,
		time.Hour: tsdb.Tier1h, 3 * time.Hour: tsdb.Tier1h, 24 * time.Hour: tsdb.Tier1h,
	}
	for step, want := range cases {
		if got := TierFor(step); got != want {
			t.Errorf("TierFor(%v) = %v, want %v", step, got, want)
		}
	}
}

func TestPlanRangeAutoAndAlignment(t *testing.T) {
	ret := tsdb.Retention{Raw: 7 * day, OneMinute: 180 * day, OneHour: 730 * day}
	cases := []struct {
		span time.Duration
		tier tsdb.Tier
		step time.Duration
	}{
		{5 * time.Minute, tsdb.TierRaw, time.Second},
		{time.Hour, tsdb.TierRaw, 15 * time.Second},
		{6 * time.Hour, tsdb.Tier1m, 2 * time.Minute},
		{24 * time.Hour, tsdb.Tier1m, 5 * time.Minute},
		{7 * day, tsdb.Tier1h, time.Hour},
		{30 * day, tsdb.Tier1h, 3 * time.Hour},
		{365 * day, tsdb.Tier1h, 2 * day},
		{1000 * day, tsdb.Tier1h, 7 * day},
	}
	for _, c := range cases {
		p, err := PlanRange(planNow.Add(-c.span), planNow, 0, DefaultLimits(), ret, planNow)
		if err != nil || p.Tier != c.tier || p.Step != c.step {
			t.Errorf("auto over %v: %+v, %v; want %v at %v", c.span, p, err, c.tier, c.step)
			continue
		}
		if p.Points() > 300+1 || p.From.After(planNow.Add(-c.span)) || p.To.Before(planNow) ||
			p.From.UnixNano()%int64(p.Step) != 0 || p.To.UnixNano()%int64(p.Step) != 0 {
			t.Errorf("auto over %v: %+v (%d points) is not the aligned cover of the range", c.span, p, p.Points())
		}
	}
}

func TestPlanRangeAutoMovesToAKeptTier(t *testing.T) {
	ret := tsdb.Retention{Raw: 2 * day, OneMinute: 10 * day, OneHour: 100 * day}
	// Two hours, three days ago: raw samples are gone, minutes are kept.
	from := planNow.Add(-3 * day)
	p, err := PlanRange(from, from.Add(2*time.Hour), 0, DefaultLimits(), ret, planNow)
	if err != nil || p.Tier != tsdb.Tier1m || p.Step != time.Minute {
		t.Errorf("auto over 2 h 3 days ago: %+v, %v; want the 1m tier at 1m", p, err)
	}
	// Six hours, twenty days ago: only hours are kept.
	from = planNow.Add(-20 * day)
	p, err = PlanRange(from, from.Add(6*time.Hour), 0, DefaultLimits(), ret, planNow)
	if err != nil || p.Tier != tsdb.Tier1h || p.Step != time.Hour {
		t.Errorf("auto over 6 h 20 days ago: %+v, %v; want the 1h tier at 1h", p, err)
	}
	// An explicit interval reads its own tier, kept or not.
	p, err = PlanRange(from, from.Add(6*time.Hour), time.Minute, DefaultLimits(), ret, planNow)
	if err != nil || p.Tier != tsdb.Tier1m {
		t.Errorf("interval=1m 20 days ago: %+v, %v; want the 1m tier", p, err)
	}
}

func TestPlanRangeLimits(t *testing.T) {
	l := DefaultLimits()
	cases := []struct {
		name     string
		span     time.Duration
		step     time.Duration
		param    string
		tooLarge bool
	}{
		{"to before from", -time.Hour, time.Minute, "to", false},
		{"empty range", 0, time.Minute, "to", false},
		{"range over 5 years", 6 * 365 * day, day, "from", true},
		{"too many points", 7 * day, time.Second, "interval", true},
		{"just over the points", 11_001 * time.Minute, time.Minute, "interval", true},
		{"raw over 7 days", 7*day + time.Hour, 59 * time.Second, "interval", true},
	}
	for _, c := range cases {
		_, err := PlanRange(planNow.Add(-c.span), planNow, c.step, l, tsdb.Retention{}, planNow)
		var e *Error
		if !errors.As(err, &e) || e.Param != c.param || e.TooLarge != c.tooLarge {
			t.Errorf("%s: %v, want an *Error on %s (too large: %v)", c.name, err, c.param, c.tooLarge)
		}
	}
	for _, ok := range []struct {
		span, step time.Duration
	}{{7 * day, time.Minute}, {10_999 * time.Minute, time.Minute}, {7 * day, 55 * time.Second}, {730 * day, 2 * time.Hour}} {
		from := tsdb.FloorTime(planNow, ok.step).Add(-ok.span)
		if _, err := PlanRange(from, from.Add(ok.span), ok.step, l, tsdb.Retention{}, planNow); err != nil {
			t.Errorf("%v at %v: %v, want a plan", ok.span, ok.step, err)
		}
	}
}

func TestPlanTotal(t *testing.T) {
	ret := tsdb.Retention{Raw: 7 * day, OneMinute: 180 * day, OneHour: 730 * day}
	cases := map[time.Duration]tsdb.Tier{5 * time.Minute: tsdb.TierRaw, 30 * time.Minute: tsdb.Tier1m, 24 * time.Hour: tsdb.Tier1h}
	for span, want := range cases {
		p, err := planTotal(planNow.Add(-span), planNow, DefaultLimits(), ret, planNow)
		if err != nil || p.Tier != want || p.From.After(planNow.Add(-span)) || p.To.Before(planNow) {
			t.Errorf("top over %v: %+v, %v; want the %v tier covering the range", span, p, err, want)
		}
		if w := want.Width(); w > 0 && (p.From.UnixNano()%int64(w) != 0 || p.To.UnixNano()%int64(w) != 0) {
			t.Errorf("top over %v: %+v not aligned on %v", span, p, w)
		}
	}
	// Five minutes ten days ago: raw samples are gone.
	from := planNow.Add(-10 * day)
	if p, err := planTotal(from, from.Add(5*time.Minute), DefaultLimits(), ret, planNow); err != nil || p.Tier != tsdb.Tier1m {
		t.Errorf("top over 5 min 10 days ago: %+v, %v; want the 1m tier", p, err)
	}
}

// defaultRetention is the hub's default retention on plain
// PostgreSQL.
func defaultRetention() tsdb.Retention {
	return tsdb.Retention{Raw: 7 * day, OneMinute: 180 * day, OneHour: 730 * day}
}
