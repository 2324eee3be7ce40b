package grafanatest

import (
	"strings"
	"testing"
	"time"
)

func TestExpandVariables(t *testing.T) {
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	r := Request{From: from, To: from.Add(6 * time.Hour), Interval: 5 * time.Minute, Vars: map[string]Variable{
		"host":    {Values: []string{"web-1"}},
		"quoted":  {Values: []string{"o'brien"}},
		"tenant":  {Values: []string{"acme", "o'neil"}, Multi: true},
		"one":     {Values: []string{"acme"}, IncludeAll: true},
		"all":     {All: true, IncludeAll: true, Options: []string{"a", "b"}},
		"custom":  {All: true, IncludeAll: true, AllValue: ".*", Options: []string{"a", "b"}},
		"dq":      {Values: []string{`say "hi"`, "it's"}, Multi: true},
		"metric_": {Values: []string{"x"}},
	}}
	for _, tc := range []struct{ sql, want string }{
		// The SQL datasources' default: one value as is with ' doubled …
		{`host = '$host'`, `host = 'web-1'`},
		{`host = '${host}'`, `host = 'web-1'`},
		{`host = '[[host]]'`, `host = 'web-1'`},
		{`name = '$quoted'`, `name = 'o''brien'`},
		// … a multi-value or include-all variable quoted, comma-separated.
		{`tenant IN ($tenant)`, `tenant IN ('acme','o''neil')`},
		{`tenant IN ($one)`, `tenant IN ('acme')`},
		{`tenant IN ($all)`, `tenant IN ('a','b')`},
		// A custom all value goes in unformatted, whatever the format.
		{`tenant ~ '$custom'`, `tenant ~ '.*'`},
		{`tenant ~ '${custom:csv}'`, `tenant ~ '.*'`},
		// Explicit formats.
		{`'${tenant:csv}'`, `'acme,o'neil'`},
		{`${tenant:sqlstring}`, `'acme','o''neil'`},
		{`${dq:sqlstring}`, `'say \"hi\"','it''s'`},
		{`${tenant:singlequote}`, `'acme','o\'neil'`},
		{`${dq:doublequote}`, `"say \"hi\"","it's"`},
		{`${tenant:pipe}`, `acme|o'neil`},
		{`${tenant:glob}`, `{acme,o'neil}`},
		{`${host:raw}`, `web-1`},
		// Built-ins, and what is left for the server.
		{`$__interval $__interval_ms ${__interval}`, `5m 300000 5m`},
		{`$__from $__to ${__range_s} $__range_ms $__range`, `1714521600000 1714543200000 21600 21600000 6h`},
		{`$__timeFilter(time) AND $__timeGroup(t, $__interval)`, `$__timeFilter(time) AND $__timeGroup(t, 5m)`},
		// $name takes the longest word: $metric_x is not $metric_.
		{`$metric_`, `x`},
	} {
		got, err := expandVariables(tc.sql, r)
		if err != nil || got != tc.want {
			t.Errorf("expandVariables(%q)\n got %q, %v\nwant %q", tc.sql, got, err, tc.want)
		}
	}
	for _, bad := range []string{`$nosuch`, `${nosuch}`, `${host:lucene}`, `${host.field}`, `$metric_x`} {
		if got, err := expandVariables(bad, r); err == nil || !strings.Contains(err.Error(), "$") {
			t.Errorf("expandVariables(%q) = %q, %v; want an error naming the reference", bad, got, err)
		}
	}
}

// Expand runs the browser's pass before the server's: a variable may hold
// a macro argument.
func TestExpandOrder(t *testing.T) {
	r := Request{Interval: time.Hour, TimescaleDB: true, Vars: map[string]Variable{"col": {Values: []string{"time"}}}}
	got, err := Expand(`SELECT $__timeGroupAlias($col, $__interval)`, r)
	if want := `SELECT time_bucket('3600.000s',time) AS "time"`; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}
