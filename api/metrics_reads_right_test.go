package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
)

// TestAgentMetricsReadRight: interval=auto never picks buckets finer than
// the agent reports (they would be empty between its samples); a metric
// the agent never sent answers 200, empty, with a warning naming the
// closest names it has; a bad from names the forms it accepts.
func TestAgentMetricsReadRight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("alpha")
	ag := e.agent(fx.Tenant.ID, "db-1")
	viewer := e.session(fx, auth.RoleViewer)
	times := every(time.Now(), time.Minute, 60)
	e.writeSeries(fx.Tenant.ID, ag.ID, "cpu_usage_ratio", map[string]string{"cpu": "all"}, times, constant(0.5, len(times)))
	e.writeSeries(fx.Tenant.ID, ag.ID, "stale_metric", map[string]string{}, []time.Time{time.Now().Add(-3 * time.Hour)}, []float64{1})
	base := "/api/v1/agents/" + ag.ID.String() + "/metrics?"
	get := func(q string) metricsAnswer {
		t.Helper()
		var m metricsAnswer
		e.do("GET", base+q, viewer, nil).want(t, http.StatusOK, &m)
		return m
	}

	for _, c := range []struct {
		intervalS int
		from      string
		want      string
	}{
		{60, "now-15m", "1m"},  // auto alone: 5s
		{10, "now-15m", "10s"}, // auto alone: 5s
		{60, "now-6h", "2m"},   // auto alone is coarser already
		{45, "now-15m", "1m"},  // the nice step at or above 45s
	} {
		e.exec(`UPDATE agents SET heartbeat_interval_s = $2 WHERE id = $1`, ag.ID, c.intervalS)
		m := get("from=" + c.from + "&interval=auto&metric=cpu_usage_ratio")
		if m.Interval != c.want {
			t.Errorf("reporting every %ds, from=%s: interval=auto chose %s, want %s", c.intervalS, c.from, m.Interval, c.want)
		}
	}
	e.exec(`UPDATE agents SET heartbeat_interval_s = 60 WHERE id = $1`, ag.ID)
	if m := get("from=now-15m&interval=10s&metric=cpu_usage_ratio"); m.Interval != "10s" {
		t.Errorf("an explicit interval=10s became %s; only auto is floored", m.Interval)
	}

	m := get("metric=cpu_usage")
	if len(m.Series) != 0 || len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], `"cpu_usage"`) ||
		!strings.Contains(m.Warnings[0], "closest: cpu_usage_ratio") {
		t.Errorf("an unknown metric: series %v, warnings %q; want none and a warning naming cpu_usage_ratio", m.Series, m.Warnings)
	}
	if m := get("metric=stale_metric&metric=cpu_usage_ratio"); len(m.Warnings) != 0 || len(m.Series) != 1 {
		t.Errorf("a known metric without points in the range: warnings %q, want none", m.Warnings)
	}
	if m := get("metric=temperature_celsius"); len(m.Warnings) != 1 || strings.Contains(m.Warnings[0], "closest") {
		t.Errorf("a metric like none the agent has: warnings %q, want one without suggestions", m.Warnings)
	}

	p := e.do("GET", base+"from=yesterday", viewer, nil).wantProblem(t, http.StatusBadRequest)
	for _, form := range []string{"now-6h", "RFC 3339", "Unix seconds", "Unix milliseconds"} {
		if !strings.Contains(p.Detail, form) {
			t.Errorf("from=yesterday: %q does not name %s", p.Detail, form)
		}
	}
	ms := time.Now().Add(-30 * time.Minute).UnixMilli()
	if m := get("metric=cpu_usage_ratio&from=" + strconv.FormatInt(ms, 10)); len(m.Series) != 1 || m.From.After(time.UnixMilli(ms)) {
		t.Errorf("from in Unix milliseconds: %+v", m)
	}
}
