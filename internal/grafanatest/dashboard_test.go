package grafanatest

import "testing"

func TestParseDashboard(t *testing.T) {
	const doc = `{
	  "uid": "u", "title": "T",
	  "annotations": {"list": [
	    {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "name": "Annotations & Alerts"},
	    {"name": "alerts", "datasource": {"uid": "ds"}, "target": {"rawSql": "SELECT 3", "refId": "Anno"}},
	    {"name": "old", "datasource": {"uid": "ds"}, "rawQuery": "SELECT 4"}
	  ]},
	  "templating": {"list": [
	    {"name": "a", "type": "query", "datasource": {"uid": "ds"}, "query": "SELECT 'x'", "multi": true, "includeAll": true, "allValue": "*"},
	    {"name": "b", "type": "query", "datasource": {"uid": "ds"}, "query": {"rawSql": "SELECT 'y'", "refId": "V"}},
	    {"name": "c", "type": "custom", "query": "1,2"}
	  ]},
	  "panels": [
	    {"id": 1, "title": "p1", "type": "timeseries", "datasource": {"uid": "ds"},
	     "targets": [{"refId": "A", "rawSql": "SELECT 1", "format": "time_series"}, {"refId": "B"}]},
	    {"id": 2, "title": "row", "type": "row", "collapsed": true, "panels": [
	      {"id": 3, "title": "p3", "type": "table", "targets": [{"refId": "A", "rawSql": "SELECT 2", "format": "table", "datasource": {"uid": "other"}}]}
	    ]}
	  ]
	}`
	d, err := ParseDashboard([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var sqls []string
	for _, q := range d.Queries {
		sqls = append(sqls, q.Where+": "+q.SQL)
	}
	want := []string{`panel 1 "p1" target A: SELECT 1`, `panel 1 "p1" target B: `, `panel 3 "p3" target A: SELECT 2`,
		`annotation "alerts": SELECT 3`, `annotation "old": SELECT 4`}
	if len(sqls) != len(want) {
		t.Fatalf("queries %q, want %q", sqls, want)
	}
	for i := range want {
		if sqls[i] != want[i] {
			t.Errorf("query %d = %q, want %q", i, sqls[i], want[i])
		}
	}
	if len(d.Variables) != 2 || d.Variables[0].SQL != "SELECT 'x'" || !d.Variables[0].Multi || d.Variables[0].AllValue != "*" ||
		d.Variables[1].SQL != "SELECT 'y'" {
		t.Errorf("variables %+v", d.Variables)
	}
	uids := map[string]bool{}
	for _, s := range d.Sources {
		uids[s.UID] = true
	}
	if len(uids) != 2 || !uids["ds"] || !uids["other"] {
		t.Errorf("sources %+v, want uids ds and other (built-in annotation left out)", d.Sources)
	}
	if _, err := ParseDashboard([]byte(`{"templating": {"list": [{"name": "x", "type": "query", "query": 7}]}}`)); err == nil {
		t.Error("a variable query that is a number parsed without error")
	}
}
