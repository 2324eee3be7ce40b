package alerting

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
)

// Comparison operators of a rule.
var Ops = []string{">", ">=", "<", "<=", "==", "!="}

// Severities of an alert.
var Severities = []string{"info", "warning", "critical"}

// Scopes of a rule.
const (
	ScopeFleet = "fleet"
	ScopeAgent = "agent"
	ScopeTag   = "tag"
)

var tagPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._:/-]{0,62}$`)

// Aggregations a rule may use besides the query's (tsdb.AllAggs).
const (
	// AggIncrease is how much a counter grew over the window (the last
	// value less the first; after a reset, the last value).
	AggIncrease = "increase"
	// AggPredictLinear is the least-squares line through the window's
	// minute averages, read Predict past now (Prometheus' predict_linear).
	AggPredictLinear = "predict_linear"
	// AggSilent is the host-silent rule: it holds for an agent that sent
	// nothing for Threshold of its reporting intervals of the hub's up
	// time. The silent check (Silent) evaluates it, not the Evaluator;
	// it reads no metric.
	AggSilent = store.SilentRuleAgg
)

// Aggs lists every agg a rule may use.
func Aggs() []string {
	var out []string
	for _, a := range tsdb.AllAggs() {
		out = append(out, string(a))
	}
	return append(out, AggIncrease, AggPredictLinear, AggSilent)
}

// Spec is a rule as a person writes it.
type Spec struct {
	Name      string
	Metric    string
	Match     string // label selector {a="b",…}; "" selects every series of the metric
	Agg       string
	Op        string
	Threshold float64
	Window    time.Duration
	Predict   time.Duration // agg predict_linear only: how far past now the line is read
	For       time.Duration
	Severity  string
	Scope     string
	AgentSet  bool // scope agent given
	Tag       string
}

// FieldError names one invalid field of a Spec.
type FieldError struct{ Field, Message string }

// Validate checks a rule definition and returns one error per bad field.
func (s Spec) Validate() []FieldError {
	var errs []FieldError
	add := func(f, format string, args ...any) {
		errs = append(errs, FieldError{Field: f, Message: fmt.Sprintf(format, args...)})
	}
	if s.Name == "" || len(s.Name) > 200 {
		add("name", "1 to 200 characters")
	}
	if s.Agg == AggSilent {
		return append(errs, s.validateSilent()...)
	}
	if !query.IsMetricName(s.Metric) {
		add("metric", "must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
	}
	if s.Match != "" {
		if _, err := query.ParseSelector(s.Match); err != nil {
			add("match", "%v", err)
		}
	}
	if !slices.Contains(Aggs(), s.Agg) {
		add("agg", "must be avg, min, max, last, sum, increase, predict_linear or silent")
	}
	switch {
	case s.Agg == AggPredictLinear && (s.Predict < time.Minute || s.Predict > 30*24*time.Hour || s.Predict%time.Second != 0):
		add("predict", "predict_linear needs how far ahead to read the line: whole seconds from 1m to 720h")
	case s.Agg != AggPredictLinear && s.Predict != 0:
		add("predict", "only with agg predict_linear")
	}
	if !slices.Contains(Ops, s.Op) {
		add("op", "must be one of > >= < <= == !=")
	}
	if math.IsNaN(s.Threshold) || math.IsInf(s.Threshold, 0) {
		add("threshold", "must be a finite number")
	}
	if s.Window < time.Minute || s.Window > 24*time.Hour || s.Window%time.Minute != 0 {
		add("window", "whole minutes from 1m to 24h")
	}
	if s.For < 0 || s.For > 7*24*time.Hour || s.For%time.Second != 0 {
		add("for", "whole seconds from 0s to 168h")
	}
	if !slices.Contains(Severities, s.Severity) {
		add("severity", "must be info, warning or critical")
	}
	switch s.Scope {
	case ScopeFleet:
		if s.AgentSet || s.Tag != "" {
			add("scope", "a fleet rule names neither agent_id nor tag")
		}
	case ScopeAgent:
		if !s.AgentSet || s.Tag != "" {
			add("agent_id", "an agent rule names agent_id (and no tag)")
		}
	case ScopeTag:
		if !tagPattern.MatchString(s.Tag) || s.AgentSet {
			add("tag", "a tag rule names a governance tag (and no agent_id)")
		}
	default:
		add("scope", "must be fleet, agent or tag")
	}
	return errs
}

// validateSilent checks a host-silent rule: the threshold is the
// allowance in reporting intervals, op is >=, and there is no metric,
// match, prediction or for-duration; it covers the whole fleet.
func (s Spec) validateSilent() []FieldError {
	var errs []FieldError
	add := func(f, msg string) { errs = append(errs, FieldError{Field: f, Message: msg}) }
	if s.Metric != "" || s.Match != "" {
		add("metric", "a silent rule reads no metric: leave metric and match empty")
	}
	if s.Op != ">=" {
		add("op", "a silent rule's op is >= (silent for at least threshold intervals)")
	}
	if math.IsNaN(s.Threshold) || s.Threshold < 2 || s.Threshold > 1000 {
		add("threshold", "a silent rule's threshold is the allowance in reporting intervals: 2 to 1000")
	}
	if s.Predict != 0 || s.For != 0 {
		add("for", "a silent rule has no for-duration or prediction: the threshold is the allowance")
	}
	if !slices.Contains(Severities, s.Severity) {
		add("severity", "must be info, warning or critical")
	}
	if s.Scope != ScopeFleet || s.AgentSet || s.Tag != "" {
		add("scope", "a silent rule covers the whole fleet")
	}
	return errs
}

// compare applies op.
func compare(v float64, op string, threshold float64) bool {
	switch op {
	case ">":
		return v > threshold
	case ">=":
		return v >= threshold
	case "<":
		return v < threshold
	case "<=":
		return v <= threshold
	case "==":
		return v == threshold
	case "!=":
		return v != threshold
	}
	return false
}

// readAgg is the agg each minute bucket is read with for a rule's agg.
func readAgg(agg string) tsdb.Agg {
	switch agg {
	case AggIncrease:
		return tsdb.AggLast
	case AggPredictLinear:
		return tsdb.AggAvg
	}
	return tsdb.Agg(agg)
}

// combine folds a series' minute buckets into the rule's value; at is
// the time predict_linear reads its line at.
func combine(agg string, pts []query.Point, window time.Duration, at time.Time) (float64, bool) {
	if len(pts) == 0 {
		return 0, false
	}
	v := pts[0].Value
	switch agg {
	case AggIncrease:
		last := pts[len(pts)-1].Value
		if last < v {
			return last, true // the counter restarted within the window
		}
		return last - v, true
	case AggPredictLinear:
		return predictLinear(pts, window, at)
	}
	switch tsdb.Agg(agg) {
	case tsdb.AggLast:
		return pts[len(pts)-1].Value, true
	case tsdb.AggAvg, tsdb.AggSum:
		sum := 0.0
		for _, p := range pts {
			sum += p.Value
		}
		if tsdb.Agg(agg) == tsdb.AggAvg {
			return sum / float64(len(pts)), true
		}
		return sum, true
	case tsdb.AggMin:
		for _, p := range pts[1:] {
			v = min(v, p.Value)
		}
	case tsdb.AggMax:
		for _, p := range pts[1:] {
			v = max(v, p.Value)
		}
	}
	return v, true
}

// predictLinear fits a least-squares line through pts and reads it at at.
// It answers only when the points span at least a quarter of the window:
// a line through a few minutes of a new agent says little about a day.
func predictLinear(pts []query.Point, window time.Duration, at time.Time) (float64, bool) {
	if len(pts) < 2 || time.Duration(pts[len(pts)-1].TimeMs-pts[0].TimeMs)*time.Millisecond < window/4 {
		return 0, false
	}
	// Times in seconds from the first point keep the sums well conditioned.
	t0 := pts[0].TimeMs
	var n, sx, sy, sxx, sxy float64
	for _, p := range pts {
		x := float64(p.TimeMs-t0) / 1000
		n++
		sx += x
		sy += p.Value
		sxx += x * x
		sxy += x * p.Value
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, false
	}
	slope := (n*sxy - sx*sy) / den
	intercept := (sy - slope*sx) / n
	return intercept + slope*float64(at.UnixMilli()-t0)/1000, true
}
