package grafanatest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Request is what Grafana knows when it runs one query: the dashboard's
// time range, the panel's interval, the datasource's TimescaleDB option
// and the template variables' current values.
type Request struct {
	From, To time.Time
	// Interval is $__interval: the range divided by the panel's width in
	// points, rounded by Grafana and at least the datasource's min interval.
	Interval time.Duration
	// TimescaleDB is the datasource's "TimescaleDB" option: $__timeGroup
	// becomes time_bucket instead of floor(extract(epoch …)).
	TimescaleDB bool
	// Vars are the dashboard's template variables by name.
	Vars map[string]Variable
}

// Expand returns sql as Grafana's PostgreSQL datasource sends it to the
// server for r: template variables first (the browser), then the global
// substitutions and the macros (the server).
func Expand(sql string, r Request) (string, error) {
	sql, err := expandVariables(sql, r)
	if err != nil {
		return "", err
	}
	return expandMacros(interpolateGlobals(sql, r), r)
}

// interpolateGlobals is sqleng.Interpolate: plain replacements done before
// the macro engine, $__interval_ms first since $__interval is its prefix.
func interpolateGlobals(sql string, r Request) string {
	sql = strings.ReplaceAll(sql, "$__interval_ms", strconv.FormatInt(r.Interval.Milliseconds(), 10))
	sql = strings.ReplaceAll(sql, "$__interval", FormatInterval(r.Interval))
	sql = strings.ReplaceAll(sql, "$__unixEpochFrom()", strconv.FormatInt(r.From.Unix(), 10))
	return strings.ReplaceAll(sql, "$__unixEpochTo()", strconv.FormatInt(r.To.Unix(), 10))
}

// macroCall is the PostgreSQL engine's pattern: a name and everything up
// to the first closing parenthesis, so arguments cannot nest.
var macroCall = regexp.MustCompile(`\$([_a-zA-Z0-9]+)\(([^\)]*)\)`)

func expandMacros(sql string, r Request) (string, error) {
	var out strings.Builder
	last := 0
	for _, m := range macroCall.FindAllStringSubmatchIndex(sql, -1) {
		call, name := sql[m[0]:m[1]], sql[m[2]:m[3]]
		// Before Grafana 5.3 $__timeGroup added AS "time"; the engine still
		// does when a comma follows the first occurrence of this exact call
		// anywhere in the query, and then for every occurrence of it.
		if name == "__timeGroup" {
			if i := strings.Index(sql, call) + len(call); i < len(sql) && sql[i] == ',' {
				name = "__timeGroupAlias"
			}
		}
		args := strings.Split(sql[m[4]:m[5]], ",")
		for i := range args {
			args[i] = strings.Trim(args[i], " ")
		}
		res, err := macro(name, args, r)
		if err != nil {
			return "", fmt.Errorf("expand %s: %w", call, err)
		}
		out.WriteString(sql[last:m[0]])
		out.WriteString(res)
		last = m[1]
	}
	out.WriteString(sql[last:])
	return out.String(), nil
}

func macro(name string, args []string, r Request) (string, error) {
	from, to := r.From.UTC(), r.To.UTC()
	col := args[0]
	needCol := func() error {
		if col == "" {
			return fmt.Errorf("missing time column argument for macro %s", name)
		}
		return nil
	}
	switch name {
	case "__time":
		return col + ` AS "time"`, needCol()
	case "__timeEpoch":
		return `extract(epoch from ` + col + `) as "time"`, needCol()
	case "__timeFilter":
		return fmt.Sprintf("%s BETWEEN '%s' AND '%s'", col, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano)), needCol()
	case "__timeFrom":
		return "'" + from.Format(time.RFC3339Nano) + "'", nil
	case "__timeTo":
		return "'" + to.Format(time.RFC3339Nano) + "'", nil
	case "__timeGroup", "__unixEpochGroup":
		iv, err := groupInterval(name, args)
		if err != nil {
			return "", err
		}
		secs := iv.Seconds()
		switch {
		case name == "__unixEpochGroup":
			return fmt.Sprintf("floor((%s)/%v)*%v", col, secs, secs), nil
		case r.TimescaleDB:
			return fmt.Sprintf("time_bucket('%.3fs',%s)", secs, col), nil
		}
		return fmt.Sprintf("floor(extract(epoch from %s)/%v)*%v", col, secs, secs), nil
	case "__timeGroupAlias", "__unixEpochGroupAlias":
		g, err := macro(strings.TrimSuffix(name, "Alias"), args, r)
		return g + ` AS "time"`, err
	case "__unixEpochFilter":
		return fmt.Sprintf("%s >= %d AND %s <= %d", col, from.Unix(), col, to.Unix()), needCol()
	case "__unixEpochNanoFilter":
		return fmt.Sprintf("%s >= %d AND %s <= %d", col, from.UnixNano(), col, to.UnixNano()), needCol()
	case "__unixEpochNanoFrom":
		return strconv.FormatInt(from.UnixNano(), 10), nil
	case "__unixEpochNanoTo":
		return strconv.FormatInt(to.UnixNano(), 10), nil
	}
	return "", fmt.Errorf("unknown macro %q", name)
}

// groupInterval reads the interval argument of a group macro and checks
// the optional fill argument (NULL, previous or a number) as
// sqleng.SetupFillmode does.
func groupInterval(name string, args []string) (time.Duration, error) {
	if len(args) < 2 {
		return 0, fmt.Errorf("macro %s needs time column and interval and optional fill value", name)
	}
	iv, err := ParseInterval(strings.Trim(args[1], `'`))
	if err != nil {
		return 0, fmt.Errorf("error parsing interval %v", args[1])
	}
	if len(args) == 3 {
		switch fill := args[2]; fill {
		case "NULL", "previous":
		default:
			if _, err := strconv.ParseFloat(fill, 64); err != nil {
				return 0, fmt.Errorf("error parsing fill value %v", fill)
			}
		}
	}
	return iv, nil
}
