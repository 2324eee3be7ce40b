package query

import (
	"regexp"
	"strconv"
	"strings"
)

// MatchOp is how a Matcher compares a label's value.
type MatchOp string

// The four operators of Prometheus label matchers.
const (
	MatchEqual     MatchOp = "="
	MatchNotEqual  MatchOp = "!="
	MatchRegexp    MatchOp = "=~"
	MatchNotRegexp MatchOp = "!~"
)

// NameLabel is the label a matcher names to match the metric name.
const NameLabel = "__name__"

// Limits of one selector, so that parsing and matching stay cheap.
const (
	maxSelectorLen = 4096
	maxMatchers    = 32
	maxValueLen    = 1024
	maxLabelLen    = 128
)

// Matcher selects series by one label. As in Prometheus, a series without
// the label matches as if its value were "", and regular expressions (RE2
// syntax, linear time) must match the whole value.
type Matcher struct {
	Name  string
	Op    MatchOp
	Value string
	re    *regexp.Regexp
}

func newMatcher(name string, op MatchOp, value string) (Matcher, error) {
	m := Matcher{Name: name, Op: op, Value: value}
	if op == MatchRegexp || op == MatchNotRegexp {
		re, err := regexp.Compile("^(?:" + value + ")$")
		if err != nil {
			return m, invalidf("match", "the regular expression for %s does not compile: %s", name, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		m.re = re
	}
	return m, nil
}

// Matches reports whether a label value v satisfies m.
func (m Matcher) Matches(v string) bool {
	switch m.Op {
	case MatchNotEqual:
		return v != m.Value
	case MatchRegexp:
		return m.re.MatchString(v)
	case MatchNotRegexp:
		return !m.re.MatchString(v)
	}
	return v == m.Value
}

// String writes m so that ParseSelector reads it back.
func (m Matcher) String() string { return m.Name + string(m.Op) + strconv.Quote(m.Value) }

// MatchSeries reports whether a series satisfies every matcher.
func MatchSeries(ms []Matcher, metric string, labels map[string]string) bool {
	for _, m := range ms {
		v := labels[m.Name]
		if m.Name == NameLabel {
			v = metric
		}
		if !m.Matches(v) {
			return false
		}
	}
	return true
}

// isLabelName reports whether s is a Prometheus label name.
func isLabelName(s string) bool {
	if s == "" || len(s) > maxLabelLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// IsMetricName reports whether s is a Prometheus metric name: a label
// name that may also hold colons.
func IsMetricName(s string) bool {
	return s != "" && len(s) <= maxLabelLen && isLabelName(strings.ReplaceAll(s, ":", "_"))
}
