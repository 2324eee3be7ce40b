package grafanatest

import (
	"strings"
	"testing"
	"time"
)

// The expected strings are the ones Grafana's own tests expect of its
// PostgreSQL macro engine (macros_test.go) for the same inputs.
func TestExpandMacros(t *testing.T) {
	from := time.Date(2018, 4, 12, 18, 0, 0, 0, time.UTC)
	r := Request{From: from, To: from.Add(5 * time.Minute), Interval: 10 * time.Minute}
	ts := r
	ts.TimescaleDB = true
	for _, tc := range []struct {
		req       Request
		sql, want string
	}{
		{r, `select $__time(time_column)`, `select time_column AS "time"`},
		{r, `select $__timeEpoch(time_column)`, `select extract(epoch from time_column) as "time"`},
		{r, `WHERE $__timeFilter(time_column)`, `WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'`},
		{r, `select $__timeFrom()`, `select '2018-04-12T18:00:00Z'`},
		{r, `select $__timeTo()`, `select '2018-04-12T18:05:00Z'`},
		// Pre-5.3 compatibility: a comma right after the call adds the alias.
		{r, `SELECT $__timeGroup(time_column,'5m'), value`, `SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value`},
		{r, `SELECT $__timeGroup(time_column,'5m') as time, value`, `SELECT floor(extract(epoch from time_column)/300)*300 as time, value`},
		{r, `SELECT $__timeGroup(time_column,'5m')`, `SELECT floor(extract(epoch from time_column)/300)*300`},
		{r, `SELECT $__timeGroupAlias(time_column,'5m')`, `SELECT floor(extract(epoch from time_column)/300)*300 AS "time"`},
		{r, `$__timeGroup(time_column , '5m')`, `floor(extract(epoch from time_column)/300)*300`},
		{ts, `GROUP BY $__timeGroup(time_column,'5m')`, `GROUP BY time_bucket('300.000s',time_column)`},
		{ts, `GROUP BY $__timeGroup(time_column , '5m')`, `GROUP BY time_bucket('300.000s',time_column)`},
		{ts, `GROUP BY $__timeGroup(time_column , '12d')`, `GROUP BY time_bucket('1036800.000s',time_column)`},
		{ts, `GROUP BY $__timeGroup(time_column , '20ms')`, `GROUP BY time_bucket('0.020s',time_column)`},
		{ts, `SELECT $__timeGroupAlias(time_column, 5m)`, `SELECT time_bucket('300.000s',time_column) AS "time"`},
		{r, `select $__unixEpochFilter(time)`, `select time >= 1523556000 AND time <= 1523556300`},
		{r, `select $__unixEpochNanoFilter(time)`, `select time >= 1523556000000000000 AND time <= 1523556300000000000`},
		{r, `select $__unixEpochNanoFrom()`, `select 1523556000000000000`},
		{r, `select $__unixEpochNanoTo()`, `select 1523556300000000000`},
		{r, `SELECT $__unixEpochGroup(time_column+time_adjustment,'5m')`, `SELECT floor((time_column+time_adjustment)/300)*300`},
		{r, `SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')`, `SELECT floor((time_column+time_adjustment)/300)*300 AS "time"`},
		// sqleng.Interpolate, before the macros.
		{r, `SELECT $__interval, $__interval_ms`, `SELECT 10m, 600000`},
		{r, `WHERE t > $__unixEpochFrom() AND t < $__unixEpochTo()`, `WHERE t > 1523556000 AND t < 1523556300`},
		{ts, `SELECT $__timeGroupAlias(time, $__interval)`, `SELECT time_bucket('600.000s',time) AS "time"`},
		{r, `SELECT $__timeGroup(t, '1h', NULL), $__timeGroup(t, '1h', previous)`, `SELECT floor(extract(epoch from t)/3600)*3600 AS "time", floor(extract(epoch from t)/3600)*3600`},
		{r, `SELECT $__timeGroupAlias(t, '30s', 0)`, `SELECT floor(extract(epoch from t)/30)*30 AS "time"`},
		// RFC 3339 with fractions, as time.RFC3339Nano writes them.
		{Request{From: from.Add(500 * time.Millisecond), To: from.Add(time.Hour)}, `$__timeFilter(t)`, `t BETWEEN '2018-04-12T18:00:00.5Z' AND '2018-04-12T19:00:00Z'`},
	} {
		got, err := Expand(tc.sql, tc.req)
		if err != nil || got != tc.want {
			t.Errorf("Expand(%q, timescaledb=%v)\n got %q, %v\nwant %q", tc.sql, tc.req.TimescaleDB, got, err, tc.want)
		}
	}
}

// The compatibility rule looks at the first occurrence of the exact call
// only, and applies its answer to every occurrence: the same call once
// before a comma and once before a parenthesis breaks the second.
func TestTimeGroupCompatibilityFollowsFirstOccurrence(t *testing.T) {
	r := Request{Interval: time.Minute, TimescaleDB: true}
	got, err := Expand(`SELECT $__timeGroup(t, $__interval), v, lag(v) OVER (ORDER BY $__timeGroup(t, $__interval))`, r)
	want := `SELECT time_bucket('60.000s',t) AS "time", v, lag(v) OVER (ORDER BY time_bucket('60.000s',t) AS "time")`
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
}

func TestExpandMacroErrors(t *testing.T) {
	r := Request{Interval: time.Minute}
	for _, sql := range []string{
		`$__timeFilter()`,
		`$__timeGroup(t)`,
		`$__timeGroup(t, often)`,
		`$__timeGroup(t, '1m', sometimes)`,
		`$__timeWindow(t)`,
		`$__unixEpochGroup(t)`,
	} {
		if got, err := Expand(sql, r); err == nil {
			t.Errorf("Expand(%q) = %q, want an error", sql, got)
		} else if !strings.Contains(err.Error(), "$__") {
			t.Errorf("Expand(%q) error %q does not name the macro", sql, err)
		}
	}
}

func TestIntervals(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{500 * time.Microsecond, "1ms"}, {20 * time.Millisecond, "20ms"}, {1500 * time.Millisecond, "1s"},
		{30 * time.Second, "30s"}, {90 * time.Second, "1m"}, {time.Hour, "1h"}, {36 * time.Hour, "1d"},
		{7 * 24 * time.Hour, "7d"}, {400 * 24 * time.Hour, "1y"},
	} {
		if got := FormatInterval(tc.d); got != tc.want {
			t.Errorf("FormatInterval(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	for in, want := range map[string]time.Duration{
		"30s": 30 * time.Second, "1h30m": 90 * time.Minute, "500ms": 500 * time.Millisecond,
		"2d": 48 * time.Hour, "1w": 7 * 24 * time.Hour,
	} {
		if got, err := ParseInterval(in); err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := ParseInterval("1M"); err != nil || got < 28*24*time.Hour || got > 31*24*time.Hour {
		t.Errorf(`ParseInterval("1M") = %v, %v; want a calendar month`, got, err)
	}
	for _, bad := range []string{"", "5", "1x", "1.5d", "-"} {
		if got, err := ParseInterval(bad); err == nil {
			t.Errorf("ParseInterval(%q) = %v, want an error", bad, got)
		}
	}
}
