package query

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/monsys/monsys/tsdb"
)

// Limits on repeated parameters.
const (
	maxMetricParams = 50
	maxMatchParams  = 10
	defaultRange    = time.Hour
)

// RangeRequest is a parsed GET /agents/:id/metrics query.
type RangeRequest struct {
	From, To time.Time
	Step     time.Duration // 0: auto
	// MinAutoStep is the least step auto picks: the agent's reporting
	// interval, below which buckets would be empty between its samples.
	MinAutoStep time.Duration
	Metrics     []string  // any of these names; empty: every metric
	Matchers    []Matcher // all must match
	Agg         tsdb.Agg
	Rate        bool // fn=rate: per-second rate of a counter
}

// ParseRangeRequest reads from, to (default: the hour up to now),
// interval (default auto), metric (repeatable), match (repeatable, every
// selector must match), agg (default avg) and fn (rate).
func ParseRangeRequest(v url.Values, now time.Time) (RangeRequest, error) {
	var r RangeRequest
	var err error
	if r.From, r.To, err = parseRange(v, now); err != nil {
		return r, err
	}
	if s := v.Get("interval"); s != "" {
		if r.Step, err = ParseInterval(s); err != nil {
			return r, err
		}
	}
	if r.Metrics, err = parseMetrics(v["metric"]); err != nil {
		return r, err
	}
	if r.Matchers, err = parseMatchers(v["match"]); err != nil {
		return r, err
	}
	if r.Agg, err = parseAgg(v.Get("agg")); err != nil {
		return r, err
	}
	switch fn := v.Get("fn"); fn {
	case "":
	case "rate":
		if a := v.Get("agg"); a != "" && a != string(tsdb.AggLast) {
			return r, invalidf("agg", "fn=rate reads each bucket's last value: leave agg out (or agg=last)")
		}
		r.Rate, r.Agg = true, tsdb.AggLast
	default:
		return r, invalidf("fn", "%q is not a function; the only one is rate", clip(fn))
	}
	return r, nil
}

// TopRequest is a parsed GET /metrics/top query.
type TopRequest struct {
	Metric   string
	Matchers []Matcher
	Agg      tsdb.Agg
	From, To time.Time
	Limit    int
}

// Bounds of ?limit= on /metrics/top.
const (
	defaultTopLimit = 10
	maxTopLimit     = 100
)

// ParseTopRequest reads metric (required), match (repeatable), agg
// (default avg), from, to (default: the hour up to now) and limit (1 to
// 100, default 10).
func ParseTopRequest(v url.Values, now time.Time) (TopRequest, error) {
	r := TopRequest{Limit: defaultTopLimit}
	var err error
	switch ms := v["metric"]; {
	case len(ms) != 1 || ms[0] == "":
		return r, invalidf("metric", "give exactly one metric name")
	case !IsMetricName(ms[0]):
		return r, invalidf("metric", "%q is not a metric name", clip(ms[0]))
	default:
		r.Metric = ms[0]
	}
	if r.Matchers, err = parseMatchers(v["match"]); err != nil {
		return r, err
	}
	if r.Agg, err = parseAgg(v.Get("agg")); err != nil {
		return r, err
	}
	if r.From, r.To, err = parseRange(v, now); err != nil {
		return r, err
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxTopLimit {
			return r, invalidf("limit", "want a whole number from 1 to %d", maxTopLimit)
		}
		r.Limit = n
	}
	return r, nil
}

func parseRange(v url.Values, now time.Time) (from, to time.Time, err error) {
	to = now.UTC()
	if s := v.Get("to"); s != "" {
		if to, err = ParseTime("to", s, now); err != nil {
			return from, to, err
		}
	}
	from = to.Add(-defaultRange)
	if s := v.Get("from"); s != "" {
		if from, err = ParseTime("from", s, now); err != nil {
			return from, to, err
		}
	}
	return from, to, nil
}

func parseMetrics(names []string) ([]string, error) {
	if len(names) > maxMetricParams {
		return nil, tooLargef("metric", "at most %d metric parameters", maxMetricParams)
	}
	for _, n := range names {
		if !IsMetricName(n) {
			return nil, invalidf("metric", "%q is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", clip(n))
		}
	}
	return names, nil
}

func parseMatchers(selectors []string) ([]Matcher, error) {
	if len(selectors) > maxMatchParams {
		return nil, tooLargef("match", "at most %d match parameters", maxMatchParams)
	}
	var out []Matcher
	for _, s := range selectors {
		ms, err := ParseSelector(s)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

func parseAgg(s string) (tsdb.Agg, error) {
	if s == "" {
		return tsdb.AggAvg, nil
	}
	for _, a := range tsdb.AllAggs() {
		if string(a) == s {
			return a, nil
		}
	}
	names := make([]string, 0, 5)
	for _, a := range tsdb.AllAggs() {
		names = append(names, string(a))
	}
	return "", invalidf("agg", "%q is not an aggregation: use %s", clip(s), strings.Join(names, ", "))
}
