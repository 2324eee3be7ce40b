package grafana_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/internal/grafanatest"
)

// point is one row of a time series panel.
type point struct {
	at     float64 // Unix seconds
	series string
	value  float64
}

// panelPoints runs one panel of the host dashboard for web-1.
func (f *fleet) panelPoints(t *testing.T, title string, iv time.Duration, timescale bool) []point {
	t.Helper()
	d := loadDashboards(t)["host.json"]
	var q *grafanatest.Query
	for i := range d.Queries {
		if strings.Contains(d.Queries[i].Where, fmt.Sprintf("%q", title)) {
			q = &d.Queries[i]
		}
	}
	if q == nil {
		t.Fatalf("host.json has no panel %q", title)
	}
	req := grafanatest.Request{From: f.from, To: f.now, Interval: iv, TimescaleDB: timescale, Vars: map[string]grafanatest.Variable{
		"tenant": {Values: []string{"acme"}, Multi: true, IncludeAll: true},
		"agent":  {Values: []string{agentWeb}},
	}}
	res := f.run(t, *q, req)
	if res.err != nil {
		t.Fatalf("%s: %v\n%s", title, res.err, res.sql)
	}
	var pts []point
	for _, row := range res.rows {
		var p point
		for i, c := range res.columns {
			switch c {
			case "time":
				p.at, _ = seconds(row[i])
			case "metric":
				p.series = row[i].(string)
			case "value":
				p.value = row[i].(float64)
			}
		}
		pts = append(pts, p)
	}
	return pts
}

// TestGaugePanelsAverageTheSamples: on every tier the CPU panel's points
// are the plain average of the raw samples in each of its buckets, the
// recent ones the rollups do not hold yet included.
func TestGaugePanelsAverageTheSamples(t *testing.T) {
	t.Parallel()
	f := newFleet(t, true)
	ctx := context.Background()
	for _, iv := range intervals {
		rows, err := f.admin.Query(ctx, `SELECT extract(epoch FROM time_bucket($1::interval, s.time))::float8, avg(s.value)
FROM samples s JOIN series sr ON sr.id = s.series_id
WHERE sr.agent_id = $2 AND sr.metric = 'cpu_usage_ratio' AND sr.labels ->> 'cpu' = 'all' AND s.time >= $3
GROUP BY 1`, fmt.Sprintf("%d seconds", int64(iv.d.Seconds())), agentWeb, f.from)
		if err != nil {
			t.Fatal(err)
		}
		// A bucket starting before the range holds rollup rows only from
		// the range's start on: it is partial by design.
		want := map[float64]float64{}
		for rows.Next() {
			var at, v float64
			if err := rows.Scan(&at, &v); err != nil {
				t.Fatal(err)
			}
			if at >= float64(f.from.Unix()) {
				want[at] = v
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for _, timescale := range []bool{true, false} {
			compared := 0
			for _, p := range f.panelPoints(t, "CPU busy", iv.d, timescale) {
				w, ok := want[p.at]
				if !ok {
					continue
				}
				compared++
				if math.Abs(p.value-w) > 1e-9 {
					t.Errorf("%s tier, timescaledb=%v: CPU at %s = %v, raw samples average %v", iv.tier, timescale,
						time.Unix(int64(p.at), 0).UTC(), p.value, w)
				}
			}
			if compared == 0 || compared != len(want) {
				t.Errorf("%s tier, timescaledb=%v: compared %d of %d whole buckets", iv.tier, timescale, compared, len(want))
			}
		}
	}
}

// TestCounterPanelsShowRates: the network and disk panels turn counters
// into per-second rates on every tier, equal to the rate the counters grew
// at, except in the one bucket where web-1's counters restarted from zero,
// which may only read low.
func TestCounterPanelsShowRates(t *testing.T) {
	t.Parallel()
	f := newFleet(t, true)
	rates := map[string]float64{"eth0 in": 1e6, "eth0 out": 3e5, "sda read": 2e6, "sda write": 5e6}
	for _, iv := range intervals {
		for _, timescale := range []bool{true, false} {
			byRate := map[string][]float64{}
			for _, title := range []string{"Network", "Disk I/O"} {
				for _, p := range f.panelPoints(t, title, iv.d, timescale) {
					byRate[p.series] = append(byRate[p.series], p.value)
				}
			}
			if len(byRate) != len(rates) {
				t.Errorf("%s tier, timescaledb=%v: series %v, want %v (loopback left out)", iv.tier, timescale, keys(byRate), keys(rates))
			}
			for series, values := range byRate {
				want := rates[series]
				off := 0
				for _, v := range values {
					if v < 0 || v > want*(1+1e-9) {
						t.Errorf("%s tier, timescaledb=%v: %s at %v/s, want %v/s or less after a restart", iv.tier, timescale, series, v, want)
					}
					if math.Abs(v-want) > want*1e-9 {
						off++
					}
				}
				if len(values) < 2 || off > 1 {
					t.Errorf("%s tier, timescaledb=%v: %s: %d points, %d of them not %v/s; want at most the restart's", iv.tier, timescale, series, len(values), off, want)
				}
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
