package grafana_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/monsys/monsys/internal/grafanatest"
)

// intervals are $__interval values that put the panels on each tier they
// switch between: raw below 1m, samples_1m below 1h, samples_1h above.
var intervals = []struct {
	tier string
	d    time.Duration
}{{"raw", 30 * time.Second}, {"1m", 5 * time.Minute}, {"1h", time.Hour}, {"1h-daily", 24 * time.Hour}}

// selections are the variable choices tried: "all" picks All where a
// variable offers it and the first option elsewhere; "web-1" one tenant
// and the host whose counters restart.
var selections = map[string]map[string]string{
	"all":   {},
	"web-1": {"tenant": "acme", "agent": "web-1"},
}

func loadDashboards(t *testing.T) map[string]grafanatest.Dashboard {
	t.Helper()
	files, err := filepath.Glob("dashboards/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("dashboards/*.json: %v (%d files, want the fleet overview and the host dashboard)", err, len(files))
	}
	out := map[string]grafanatest.Dashboard{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		d, err := grafanatest.ParseDashboard(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out[filepath.Base(file)] = d
	}
	return out
}

// TestDashboardQueriesRun runs every query of every provisioned dashboard
// as monsys_grafana, on every tier, with the datasource's TimescaleDB
// option on (as provisioned) and off, and wants each to answer rows, and
// time series to come sorted by time with some value in every column.
func TestDashboardQueriesRun(t *testing.T) {
	t.Parallel()
	f := newFleet(t, true)
	for file, d := range loadDashboards(t) {
		for _, timescale := range []bool{true, false} {
			for _, iv := range intervals {
				for sel, prefer := range selections {
					t.Run(fmt.Sprintf("%s/timescaledb=%v/%s/%s", file, timescale, iv.tier, sel), func(t *testing.T) {
						req := grafanatest.Request{From: f.from, To: f.now, Interval: iv.d, TimescaleDB: timescale}
						f.resolveVariables(t, d, &req, prefer)
						for _, q := range d.Queries {
							res := f.run(t, q, req)
							if res.err != nil {
								t.Errorf("%s: %v\n%s", q.Where, res.err, res.sql)
								continue
							}
							if msg := res.check(q.Format); msg != "" {
								t.Errorf("%s: %s\n%s", q.Where, msg, res.sql)
							}
						}
					})
				}
			}
		}
	}
}

// resolveVariables runs the query variables in order, as Grafana does when
// a dashboard loads, and selects an option of each.
func (f *fleet) resolveVariables(t *testing.T, d grafanatest.Dashboard, req *grafanatest.Request, prefer map[string]string) {
	t.Helper()
	req.Vars = map[string]grafanatest.Variable{}
	for _, v := range d.Variables {
		res := f.run(t, grafanatest.Query{Where: "variable " + v.Name, SQL: v.SQL, Format: "table"}, *req)
		if res.err != nil {
			t.Fatalf("variable %s: %v\n%s", v.Name, res.err, res.sql)
		}
		texts, values := res.options()
		if len(values) == 0 {
			t.Fatalf("variable %s has no options\n%s", v.Name, res.sql)
		}
		gv := grafanatest.Variable{Multi: v.Multi, IncludeAll: v.IncludeAll, AllValue: v.AllValue, Options: values}
		if want, ok := prefer[v.Name]; ok {
			i := slices.IndexFunc(values, func(s string) bool { return s == want })
			if i < 0 {
				i = slices.Index(texts, want)
			}
			if i < 0 {
				t.Fatalf("variable %s: no option %q in %q", v.Name, want, texts)
			}
			gv.Values = values[i : i+1]
		} else if v.IncludeAll {
			gv.All = true
		} else {
			gv.Values = values[:1]
		}
		req.Vars[v.Name] = gv
	}
}

// result is one query's answer, kept whole: the fleet is small.
type result struct {
	sql     string
	err     error
	columns []string
	rows    [][]any
}

func (f *fleet) run(t *testing.T, q grafanatest.Query, req grafanatest.Request) result {
	t.Helper()
	if strings.TrimSpace(q.SQL) == "" {
		return result{err: fmt.Errorf("no SQL")}
	}
	sql, err := grafanatest.Expand(q.SQL, req)
	if err != nil {
		return result{sql: q.SQL, err: err}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := f.grafana.Query(ctx, sql)
	if err != nil {
		return result{sql: sql, err: err}
	}
	defer rows.Close()
	res := result{sql: sql}
	for _, fd := range rows.FieldDescriptions() {
		res.columns = append(res.columns, fd.Name)
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return result{sql: sql, err: err}
		}
		res.rows = append(res.rows, vals)
	}
	res.err = rows.Err()
	return res
}

// check says what Grafana would not show: no rows, and for time series no
// "time" column, times out of order or a value column without values.
func (r result) check(format string) string {
	if len(r.rows) == 0 {
		return "no rows"
	}
	if format == "table" {
		return ""
	}
	ti := slices.Index(r.columns, "time")
	if ti < 0 {
		return fmt.Sprintf("time series without a time column: %q", r.columns)
	}
	prev := -1e300
	for _, row := range r.rows {
		sec, ok := seconds(row[ti])
		if !ok {
			return fmt.Sprintf("time is %T, not a time or a number", row[ti])
		}
		if sec < prev {
			return "rows not sorted by time"
		}
		prev = sec
	}
	for i, c := range r.columns {
		if i == ti || c == "metric" {
			continue
		}
		if !slices.ContainsFunc(r.rows, func(row []any) bool { return row[i] != nil }) {
			return fmt.Sprintf("column %q is NULL in every row", c)
		}
	}
	return ""
}

// options reads a variable query's answer as Grafana does: columns
// __text and __value when present, else the first column for both.
func (r result) options() (texts, values []string) {
	ti, vi := slices.Index(r.columns, "__text"), slices.Index(r.columns, "__value")
	if ti < 0 || vi < 0 {
		ti, vi = 0, 0
	}
	for _, row := range r.rows {
		texts = append(texts, fmt.Sprint(row[ti]))
		values = append(values, fmt.Sprint(row[vi]))
	}
	return texts, values
}

// seconds reads a time column: a timestamp, or with the TimescaleDB option
// off the numeric epoch $__timeGroup makes.
func seconds(v any) (float64, bool) {
	switch x := v.(type) {
	case time.Time:
		return float64(x.UnixMicro()) / 1e6, true
	case pgtype.Numeric:
		f, err := x.Float64Value()
		return f.Float64, err == nil && f.Valid
	case float64:
		return x, true
	}
	return 0, false
}
