package alerting

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/monsys/monsys/query"
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

// Spec is a rule as a person writes it.
type Spec struct {
	Name      string
	Metric    string
	Match     string // label selector {a="b",…}; "" selects every series of the metric
	Agg       string
	Op        string
	Threshold float64
	Window    time.Duration
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
	if !query.IsMetricName(s.Metric) {
		add("metric", "must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
	}
	if s.Match != "" {
		if _, err := query.ParseSelector(s.Match); err != nil {
			add("match", "%v", err)
		}
	}
	if !slices.Contains(tsdb.AllAggs(), tsdb.Agg(s.Agg)) {
		add("agg", "must be avg, min, max, last or sum")
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

// combine folds a series' minute buckets into the rule's value.
func combine(agg string, pts []query.Point) (float64, bool) {
	if len(pts) == 0 {
		return 0, false
	}
	v := pts[0].Value
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
