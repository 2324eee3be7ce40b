package query

import (
	"strconv"
	"strings"
)

// ParseSelector reads a label selector in Prometheus syntax:
//
//	{cpu="0",mode=~"user|system"}
//	cpu="0", mode!="idle"            (the braces are optional)
//	node_cpu_seconds_total{cpu="0"}  (a metric name first: __name__="…")
//
// Operators are =, !=, =~ and !~; values are quoted with " or ' and take
// Go's escapes (\" \\ \n \t \u00e9 …); a trailing comma is allowed. At
// most 32 matchers and 1024 bytes per value.
func ParseSelector(s string) ([]Matcher, error) {
	if len(s) > maxSelectorLen {
		return nil, invalidf("match", "the selector is longer than %d bytes", maxSelectorLen)
	}
	p := &selectorParser{s: s}
	ms, err := p.parse()
	if err != nil {
		return nil, err
	}
	return ms, nil
}

type selectorParser struct {
	s   string
	pos int
}

func (p *selectorParser) fail(format string, args ...any) *Error {
	return invalidf("match", "at byte %d of %q: "+format, append([]any{p.pos, clip(p.s)}, args...)...)
}

func (p *selectorParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

// word reads a run of name characters (letters, digits, _ and :).
func (p *selectorParser) word() string {
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if !(c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			break
		}
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *selectorParser) parse() ([]Matcher, error) {
	var ms []Matcher
	p.skipSpace()
	start := p.pos
	name := p.word()
	p.skipSpace()
	switch {
	case name != "" && (p.pos == len(p.s) || p.s[p.pos] == '{'):
		if !IsMetricName(name) {
			return nil, p.fail("%q is not a metric name", name)
		}
		m, _ := newMatcher(NameLabel, MatchEqual, name) // equality never fails
		ms = append(ms, m)
	default:
		p.pos = start // a matcher list without braces
	}
	braced := p.pos < len(p.s) && p.s[p.pos] == '{'
	if braced {
		p.pos++
	}
	for {
		p.skipSpace()
		if p.pos == len(p.s) || braced && p.s[p.pos] == '}' {
			break
		}
		m, err := p.matcher()
		if err != nil {
			return nil, err
		}
		if ms = append(ms, m); len(ms) > maxMatchers {
			return nil, p.fail("more than %d matchers", maxMatchers)
		}
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && !(braced && p.s[p.pos] == '}') {
			return nil, p.fail("want , between matchers")
		}
	}
	if braced {
		if p.pos == len(p.s) {
			return nil, p.fail("missing }")
		}
		p.pos++
		p.skipSpace()
	}
	if p.pos != len(p.s) {
		return nil, p.fail("unexpected text after the selector")
	}
	if len(ms) == 0 {
		return nil, invalidf("match", "the selector is empty: give at least one matcher, e.g. cpu=\"0\"")
	}
	return ms, nil
}

func (p *selectorParser) matcher() (Matcher, error) {
	name := p.word()
	if !isLabelName(name) {
		return Matcher{}, p.fail("want a label name ([a-zA-Z_][a-zA-Z0-9_]*)")
	}
	p.skipSpace()
	var op MatchOp
	for _, o := range []MatchOp{MatchRegexp, MatchNotRegexp, MatchNotEqual, MatchEqual} {
		if strings.HasPrefix(p.s[p.pos:], string(o)) {
			op = o
			break
		}
	}
	if op == "" {
		return Matcher{}, p.fail("want =, !=, =~ or !~ after %s", name)
	}
	p.pos += len(op)
	p.skipSpace()
	value, err := p.quoted()
	if err != nil {
		return Matcher{}, err
	}
	return newMatcher(name, op, value)
}

// quoted reads a string in double or single quotes and unescapes it.
func (p *selectorParser) quoted() (string, error) {
	if p.pos == len(p.s) || (p.s[p.pos] != '"' && p.s[p.pos] != '\'') {
		return "", p.fail("want a quoted value")
	}
	q := p.s[p.pos]
	end := p.pos + 1
	for ; end < len(p.s) && p.s[end] != q; end++ {
		if p.s[end] == '\\' {
			end++
		}
	}
	if end >= len(p.s) {
		return "", p.fail("the quoted value does not end")
	}
	raw := p.s[p.pos+1 : end]
	if q == '\'' {
		raw = singleToDouble(raw)
	}
	v, err := strconv.Unquote(`"` + raw + `"`)
	if err != nil {
		return "", p.fail("the quoted value has a bad escape or a raw newline")
	}
	if len(v) > maxValueLen {
		return "", p.fail("the value is longer than %d bytes", maxValueLen)
	}
	p.pos = end + 1
	return v, nil
}

// singleToDouble rewrites the inside of a single-quoted string as the
// inside of a double-quoted one: \' becomes ', a bare " is escaped.
func singleToDouble(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '\\' && i+1 < len(raw) && raw[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == '\\' && i+1 < len(raw):
			b.WriteByte(c)
			b.WriteByte(raw[i+1])
			i++
		case c == '"':
			b.WriteString(`\"`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
