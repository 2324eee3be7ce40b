package api

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
)

func TestAgentMetricsTierFollowsInterval(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newTenant("alpha")
	ag := e.agent(a.Tenant.ID, "web-1")
	viewer := e.session(a, auth.RoleViewer)
	now := time.Now().UTC()
	times := every(now, 10*time.Second, 6*360) // 6 hours every 10 s
	e.exec(`UPDATE agents SET heartbeat_interval_s = 10 WHERE id = $1`, ag.ID)
	values := make([]float64, len(times))
	for i := range values {
		values[i] = float64(i % 7)
	}
	e.writeSeries(a.Tenant.ID, ag.ID, "cpu_usage_ratio", map[string]string{"cpu": "all"}, times, values)
	e.rollUp()

	base := "/api/v1/agents/" + ag.ID.String() + "/metrics?metric=cpu_usage_ratio"
	cases := []struct {
		query, source, interval string
		step                    time.Duration
	}{
		{"&interval=10s&from=now-2h", "raw", "10s", 10 * time.Second},
		{"&interval=90s&from=now-2h", "raw", "90s", 90 * time.Second},
		{"&interval=1m&from=now-6h", "1m", "1m", time.Minute},
		{"&interval=5m&from=now-6h", "1m", "5m", 5 * time.Minute},
		{"&interval=90m&from=now-6h", "1m", "90m", 90 * time.Minute},
		{"&interval=1h&from=now-6h", "1h", "1h", time.Hour},
		{"&interval=1d&from=now-6h", "1h", "1d", 24 * time.Hour},
		{"", "raw", "15s", 15 * time.Second},                         // auto over the default hour: 12 s → 15 s
		{"&from=now-2d", "1m", "10m", 10 * time.Minute},              // auto: 576 s → 10 m
		{"&from=now-30d", "1h", "3h", 3 * time.Hour},                 // auto: 2.4 h → 3 h
		{"&interval=auto&from=now-400d", "1h", "2d", 48 * time.Hour}, // auto: 32 h → 2 d
	}
	for _, c := range cases {
		var got metricsAnswer
		e.do("GET", base+c.query, viewer, nil).want(t, http.StatusOK, &got)
		if got.Source != c.source || got.Interval != c.interval || got.AgentID != ag.ID.String() {
			t.Errorf("%q: source %s interval %s agent %s, want %s %s %s", c.query, got.Source, got.Interval, got.AgentID, c.source, c.interval, ag.ID)
		}
		if got.From.UnixNano()%int64(c.step) != 0 || got.To.UnixNano()%int64(c.step) != 0 || !got.To.After(now.Add(-time.Second)) {
			t.Errorf("%q: range %s – %s is not aligned on %s or does not reach now", c.query, got.From, got.To, c.step)
		}
		if len(got.Series) != 1 || got.Series[0].Metric != "cpu_usage_ratio" || got.Series[0].Labels["cpu"] != "all" || len(got.Series[0].Points) == 0 {
			t.Fatalf("%q: series %+v, want the one cpu series with points", c.query, got.Series)
		}
		for _, p := range got.Series[0].Points {
			ms := int64(p[0])
			if ms%c.step.Milliseconds() != 0 || ms < got.From.UnixMilli() || ms >= got.To.UnixMilli() || p[1] < 0 || p[1] > 6 {
				t.Fatalf("%q: point %v is off the grid, out of range or out of the data's bounds", c.query, p)
			}
		}
	}
	// The 1m and 1h tiers answer what raw samples say: 10 s samples of
	// i % 7 sum to the same per hour from each tier.
	var raw, hourly metricsAnswer
	e.do("GET", base+"&interval=60m&from=now-5h&agg=sum", viewer, nil).want(t, http.StatusOK, &raw)
	e.do("GET", base+"&interval=1h&from=now-5h&agg=sum", viewer, nil).want(t, http.StatusOK, &hourly)
	if raw.Source != "1h" || fmt.Sprint(raw.Series) != fmt.Sprint(hourly.Series) {
		t.Errorf("60m (%s) and 1h (%s) answers differ:\n%v\n%v", raw.Source, hourly.Source, raw.Series, hourly.Series)
	}
}

func TestAgentMetricsSelectsSeries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newTenant("alpha")
	ag := e.agent(a.Tenant.ID, "db-1")
	viewer := e.session(a, auth.RoleViewer)
	times := every(time.Now(), 30*time.Second, 20)
	for _, cpu := range []string{"0", "1", "all"} {
		for _, mode := range []string{"user", "system", "idle"} {
			e.writeSeries(a.Tenant.ID, ag.ID, "cpu_seconds_total", map[string]string{"cpu": cpu, "mode": mode}, times, constant(1, len(times)))
		}
	}
	e.writeSeries(a.Tenant.ID, ag.ID, "memory_used_bytes", map[string]string{}, times, constant(2, len(times)))
	e.writeSeries(a.Tenant.ID, ag.ID, "stale_metric", map[string]string{}, []time.Time{time.Now().Add(-3 * time.Hour)}, []float64{1})

	count := func(q string) []string {
		var got metricsAnswer
		e.do("GET", "/api/v1/agents/"+ag.ID.String()+"/metrics?"+q, viewer, nil).want(t, http.StatusOK, &got)
		var out []string
		for _, s := range got.Series {
			out = append(out, s.Metric+fmt.Sprint(s.Labels))
		}
		return out
	}
	cases := map[string]int{
		"":                         10, // stale_metric has nothing in the last hour
		"metric=memory_used_bytes": 1,
		"metric=memory_used_bytes&metric=cpu_seconds_total":                                    10,
		"match=" + url.QueryEscape(`{cpu="0"}`):                                                3,
		"match=" + url.QueryEscape(`cpu="0",mode=~"user|system"`):                              2,
		"match=" + url.QueryEscape(`cpu_seconds_total{mode!="idle"}`):                          6,
		"match=" + url.QueryEscape(`{cpu!~"\\d+"}`) + "&metric=cpu_seconds_total":              3,
		"match=" + url.QueryEscape(`{cpu="0"}`) + "&match=" + url.QueryEscape(`{mode="idle"}`): 1,
		"match=" + url.QueryEscape(`{__name__=~"mem.*"}`):                                      1,
		"match=" + url.QueryEscape(`{cpu=""}`):                                                 1, // no cpu label: matches as ""
	}
	for q, want := range cases {
		if got := count(q); len(got) != want {
			t.Errorf("%q: %d series %v, want %d", q, len(got), got, want)
		}
	}
	if got := count(""); got[0] != "cpu_seconds_total"+fmt.Sprint(map[string]string{"cpu": "0", "mode": "idle"}) {
		t.Errorf("series come in order of metric and labels; first is %s", got[0])
	}
}

func TestAgentMetricsRateOfCounter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newTenant("alpha")
	ag := e.agent(a.Tenant.ID, "edge-1")
	viewer := e.session(a, auth.RoleViewer)
	end := time.Now().Truncate(time.Minute).Add(-2*time.Minute - 10*time.Second) // the last minute is whole
	times := every(end, 10*time.Second, 6*60)                                    // one hour at 10 s
	values := make([]float64, len(times))
	reset := len(times) / 2
	for i := range values {
		values[i] = float64(i*1000) + 5e6 // 100 per second
		if i >= reset {
			values[i] = float64((i - reset) * 1000) // the process restarted
		}
	}
	e.writeSeries(a.Tenant.ID, ag.ID, "net_rx_bytes_total", map[string]string{"dev": "eth0"}, times, values)
	e.writeSeries(a.Tenant.ID, ag.ID, "load1", map[string]string{}, times, values)
	e.rollUp()

	var got metricsAnswer
	path := "/api/v1/agents/" + ag.ID.String() + "/metrics?metric=net_rx_bytes_total&fn=rate&interval=1m&from=now-50m"
	e.do("GET", path, viewer, nil).want(t, http.StatusOK, &got)
	if len(got.Series) != 1 || len(got.Series[0].Points) < 40 {
		t.Fatalf("rate answer %+v, want one series of about 48 points", got.Series)
	}
	resets := 0
	for _, p := range got.Series[0].Points {
		switch {
		case math.Abs(p[1]-100) < 1e-9:
		case p[1] >= 0 && p[1] < 100:
			resets++ // the increase since the restart, over the minute
		default:
			t.Errorf("rate at %d = %v, want 100/s (or less at the reset)", int64(p[0]), p[1])
		}
	}
	if resets != 1 {
		t.Errorf("%d points look like a reset, want 1", resets)
	}
	if int64(got.Series[0].Points[0][0]) < got.From.UnixMilli() {
		t.Errorf("the first rate point %v precedes from %s", got.Series[0].Points[0], got.From)
	}
	p := e.do("GET", "/api/v1/agents/"+ag.ID.String()+"/metrics?metric=load1&fn=rate", viewer, nil).wantProblem(t, http.StatusBadRequest)
	if !p.hasFieldError("fn") || !strings.Contains(p.Detail, "_total") {
		t.Errorf("rate of a gauge: %+v, want a problem about counters naming fn", p)
	}
}

func TestAgentMetricsRefusesBadAndOversizedQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newTenant("alpha")
	ag := e.agent(a.Tenant.ID, "web-1")
	viewer := e.session(a, auth.RoleViewer)
	base := "/api/v1/agents/" + ag.ID.String() + "/metrics?"
	cases := []struct{ query, field, typ string }{
		{"interval=7x", "interval", "invalid-query"},
		{"interval=0s", "interval", "invalid-query"},
		{"interval=500ms", "interval", "invalid-query"},
		{"from=yesterday", "from", "invalid-query"},
		{"to=17956800000000", "to", "invalid-query"}, // 14 digits: neither seconds nor milliseconds
		{"from=now&to=now-1h", "to", "invalid-query"},
		{"agg=median", "agg", "invalid-query"},
		{"fn=deriv", "fn", "invalid-query"},
		{"fn=rate&agg=avg", "agg", "invalid-query"},
		{"metric=1bad", "metric", "invalid-query"},
		{"match=" + url.QueryEscape(`{cpu=0}`), "match", "invalid-query"},
		{"match=" + url.QueryEscape(`{cpu=~"("}`), "match", "invalid-query"},
		{"match=" + url.QueryEscape(`{}`), "match", "invalid-query"},
		{"interval=1s&from=now-7d", "interval", "query-too-large"},    // 604 800 points
		{"interval=59s&from=now-175h", "interval", "query-too-large"}, // 10 677 points, but raw over > 7 days
		{"interval=1h&from=now-2000d", "from", "query-too-large"},
	}
	for _, c := range cases {
		p := e.do("GET", base+c.query, viewer, nil).wantProblem(t, http.StatusBadRequest)
		if !p.hasFieldError(c.field) || p.Type != problemTypeBase+c.typ {
			t.Errorf("%s: problem %+v, want type %s naming %s", c.query, p, c.typ, c.field)
		}
	}
}

func TestAgentMetricsIsTenantScoped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.newTenant("alpha"), e.newTenant("beta")
	aAgent, bAgent := e.agent(a.Tenant.ID, "a-1"), e.agent(b.Tenant.ID, "b-1")
	times := every(time.Now(), time.Minute, 30)
	e.writeSeries(b.Tenant.ID, bAgent.ID, "secret_metric", map[string]string{}, times, constant(42, len(times)))
	aOwner := e.session(a, auth.RoleOwner)
	e.do("GET", "/api/v1/agents/"+bAgent.ID.String()+"/metrics", aOwner, nil).wantProblem(t, http.StatusNotFound)
	e.do("GET", "/api/v1/agents/"+uuid.NewString()+"/metrics", aOwner, nil).wantProblem(t, http.StatusNotFound)
	e.do("GET", "/api/v1/agents/not-a-uuid/metrics", aOwner, nil).wantProblem(t, http.StatusNotFound)
	var got metricsAnswer
	e.do("GET", "/api/v1/agents/"+aAgent.ID.String()+"/metrics", aOwner, nil).want(t, http.StatusOK, &got)
	if len(got.Series) != 0 {
		t.Errorf("alpha's agent answers %+v, want no series", got.Series)
	}
	var names struct {
		Items []struct{ Metric string } `json:"items"`
	}
	e.do("GET", "/api/v1/metrics/names", aOwner, nil).want(t, http.StatusOK, &names)
	if len(names.Items) != 0 {
		t.Errorf("alpha sees beta's metric names %+v", names.Items)
	}
	var top topReply
	e.do("GET", "/api/v1/metrics/top?metric=secret_metric", aOwner, nil).want(t, http.StatusOK, &top)
	if len(top.Items) != 0 {
		t.Errorf("alpha's top lists beta's agents %+v", top.Items)
	}
}
