package api

import (
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/monsys/monsys/auth"
)

func TestMetricsTopRanksAgents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.newTenant("alpha"), e.newTenant("beta")
	viewer := e.session(a, auth.RoleViewer)
	times := every(time.Now(), time.Minute, 8*60) // 8 hours: reads the 1h tier
	for host, v := range map[string]float64{"quiet": 0.1, "busy": 0.9, "medium": 0.5} {
		ag := e.agent(a.Tenant.ID, host)
		e.writeSeries(a.Tenant.ID, ag.ID, "cpu_usage_ratio", map[string]string{"cpu": "all"}, times, constant(v, len(times)))
		// Per-CPU series peak higher; the match= below leaves them out.
		e.writeSeries(a.Tenant.ID, ag.ID, "cpu_usage_ratio", map[string]string{"cpu": "0"}, times, constant(v+0.05, len(times)))
	}
	gone := e.agent(a.Tenant.ID, "retired")
	e.writeSeries(a.Tenant.ID, gone.ID, "cpu_usage_ratio", map[string]string{"cpu": "all"}, times, constant(1, len(times)))
	e.do("DELETE", "/api/v1/agents/"+gone.ID.String(), e.session(a, auth.RoleAdmin), nil).want(t, http.StatusNoContent, nil)
	other := e.agent(b.Tenant.ID, "other-tenant")
	e.writeSeries(b.Tenant.ID, other.ID, "cpu_usage_ratio", map[string]string{"cpu": "all"}, times, constant(1, len(times)))
	e.rollUp()

	var got topReply
	e.do("GET", "/api/v1/metrics/top?metric=cpu_usage_ratio&from=now-6h&limit=2&match="+url.QueryEscape(`{cpu="all"}`), viewer, nil).
		want(t, http.StatusOK, &got)
	if got.Source != "1h" || got.Metric != "cpu_usage_ratio" || got.Agg != "avg" || len(got.Items) != 2 {
		t.Fatalf("top = %+v, want the 2 top agents from the 1h tier", got)
	}
	if got.Items[0].Hostname != "busy" || math.Abs(got.Items[0].Value-0.9) > 1e-9 || got.Items[1].Hostname != "medium" || got.Items[1].Labels["cpu"] != "all" {
		t.Errorf("top = %+v, want busy (0.9) then medium", got.Items)
	}
	// Without the matcher an agent counts with its highest series.
	e.do("GET", "/api/v1/metrics/top?metric=cpu_usage_ratio&agg=max&from=now-30m", viewer, nil).want(t, http.StatusOK, &got)
	if got.Source != "1m" || len(got.Items) != 3 || got.Items[0].Value < 0.95-1e-9 || got.Items[0].Labels["cpu"] != "0" {
		t.Errorf("top by max over 30m = %+v, want 3 agents from the 1m tier led by busy's cpu 0", got)
	}
	for _, q := range []string{"", "metric=a&metric=b", "metric=cpu_usage_ratio&limit=0", "metric=cpu_usage_ratio&limit=101", "metric=cpu_usage_ratio&agg=p99"} {
		e.do("GET", "/api/v1/metrics/top?"+q, viewer, nil).wantProblem(t, http.StatusBadRequest)
	}
}

func TestMetricNamesListsNamesAndLabelKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.newTenant("alpha")
	viewer := e.session(a, auth.RoleViewer)
	web, db := e.agent(a.Tenant.ID, "web"), e.agent(a.Tenant.ID, "db")
	one := []time.Time{time.Now()}
	e.writeSeries(a.Tenant.ID, web.ID, "disk_used_ratio", map[string]string{"mount": "/", "device": "sda1"}, one, []float64{1})
	e.writeSeries(a.Tenant.ID, db.ID, "disk_used_ratio", map[string]string{"mount": "/var"}, one, []float64{1})
	e.writeSeries(a.Tenant.ID, db.ID, "load1", map[string]string{}, one, []float64{1})

	var got struct {
		Items []metricNameReply `json:"items"`
	}
	e.do("GET", "/api/v1/metrics/names", viewer, nil).want(t, http.StatusOK, &got)
	if len(got.Items) != 2 || got.Items[0].Metric != "disk_used_ratio" || got.Items[0].Series != 2 ||
		len(got.Items[0].LabelKeys) != 2 || got.Items[0].LabelKeys[0] != "device" || got.Items[0].LabelKeys[1] != "mount" ||
		got.Items[1].Metric != "load1" || got.Items[1].LabelKeys == nil || len(got.Items[1].LabelKeys) != 0 {
		t.Errorf("names = %+v, want disk_used_ratio (2 series, device and mount) and load1 (no labels)", got.Items)
	}
	e.do("GET", "/api/v1/metrics/names?agent_id="+web.ID.String(), viewer, nil).want(t, http.StatusOK, &got)
	if len(got.Items) != 1 || got.Items[0].Series != 1 {
		t.Errorf("web's names = %+v, want its one disk series", got.Items)
	}
	e.do("GET", "/api/v1/metrics/names?agent_id=web", viewer, nil).wantProblem(t, http.StatusBadRequest)
}
