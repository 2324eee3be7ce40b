package grafanatest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Variable is a template variable's definition and current value.
type Variable struct {
	// Values are the selected values; one for a single-value variable.
	Values []string
	// Multi and IncludeAll are the variable's options of those names: either
	// makes the SQL datasources quote its values.
	Multi, IncludeAll bool
	// All means "All" is selected: the value is AllValue when the variable
	// has a custom one, inserted unformatted whatever the format, else
	// every value of Options.
	All      bool
	AllValue string
	Options  []string
}

// variableRef is the browser's template pattern: $name, [[name]] or
// [[name:format]], ${name}, ${name.path} or ${name:format}.
var variableRef = regexp.MustCompile(`\$(\w+)|\[\[([\s\S]+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}`)

// expandVariables is the browser's templateSrv.replace with the SQL
// datasources' interpolateVariable as the default format.
func expandVariables(sql string, r Request) (string, error) {
	var err error
	out := variableRef.ReplaceAllStringFunc(sql, func(ref string) string {
		m := variableRef.FindStringSubmatch(ref)
		name, format := m[1]+m[2]+m[4], m[3]+m[6]
		if m[5] != "" {
			err = fmt.Errorf("%s: field paths are not supported", ref)
			return ref
		}
		values, v, ok := lookup(name, r)
		if !ok {
			if strings.HasPrefix(name, "__") && format == "" {
				return ref // a macro or a global substitution, for the server
			}
			err = fmt.Errorf("unknown template variable %s", ref)
			return ref
		}
		if v.All && v.AllValue != "" {
			return v.AllValue // Grafana leaves a custom all value unformatted
		}
		s, ferr := formatValue(values, format, v)
		if ferr != nil {
			err = fmt.Errorf("%s: %w", ref, ferr)
		}
		return s
	})
	return out, err
}

// lookup returns a variable's values: the dashboard's, or one of the
// built-ins the browser fills in.
func lookup(name string, r Request) ([]string, Variable, bool) {
	if v, ok := r.Vars[name]; ok {
		if v.All {
			return v.Options, v, true
		}
		return v.Values, v, true
	}
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	rng := r.To.Sub(r.From)
	builtin := map[string]string{
		"__interval":    FormatInterval(r.Interval),
		"__interval_ms": strconv.FormatInt(r.Interval.Milliseconds(), 10),
		"__from":        ms(r.From),
		"__to":          ms(r.To),
		"__range":       FormatInterval(rng),
		"__range_s":     strconv.FormatInt(int64(rng.Seconds()), 10),
		"__range_ms":    strconv.FormatInt(rng.Milliseconds(), 10),
	}
	if s, ok := builtin[name]; ok {
		return []string{s}, Variable{}, true
	}
	return nil, Variable{}, false
}

// formatValue applies an explicit format, or the SQL datasources'
// interpolateVariable when there is none.
func formatValue(values []string, format string, v Variable) (string, error) {
	quoteEach := func(quote, esc string) string {
		q := make([]string, len(values))
		for i, s := range values {
			q[i] = quote + strings.ReplaceAll(s, quote, esc) + quote
		}
		return strings.Join(q, ",")
	}
	switch format {
	case "":
		if v.Multi || v.IncludeAll || len(values) != 1 {
			return quoteEach("'", "''"), nil
		}
		return strings.ReplaceAll(values[0], "'", "''"), nil
	case "csv", "raw":
		return strings.Join(values, ","), nil
	case "pipe":
		return strings.Join(values, "|"), nil
	case "singlequote":
		return quoteEach("'", `\'`), nil
	case "doublequote":
		return quoteEach(`"`, `\"`), nil
	case "sqlstring":
		q := make([]string, len(values))
		for i, s := range values {
			q[i] = "'" + strings.NewReplacer("'", "''", `"`, `\"`).Replace(s) + "'"
		}
		return strings.Join(q, ","), nil
	case "glob":
		if len(values) > 1 {
			return "{" + strings.Join(values, ",") + "}", nil
		}
		return strings.Join(values, ","), nil
	}
	return "", fmt.Errorf("format %q is not supported here", format)
}
