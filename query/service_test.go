package query

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/tsdb"
)

// fakeSource serves fixed series and points; Buckets waits for release
// when it is set.
type fakeSource struct {
	series  []tsdb.Series
	points  tsdb.Points
	entered chan struct{}
	release chan struct{}
	asked   tsdb.BucketQuery
	totals  []tsdb.SeriesValue
}

func (f *fakeSource) AgentSeries(_ context.Context, _, _ uuid.UUID, _ []string, _ map[string]string, limit int) ([]tsdb.Series, error) {
	return append([]tsdb.Series(nil), f.series[:min(limit, len(f.series))]...), nil
}
func (f *fakeSource) MetricSeries(ctx context.Context, t uuid.UUID, _ string, eq map[string]string, limit int) ([]tsdb.Series, error) {
	return f.AgentSeries(ctx, t, t, nil, eq, limit)
}
func (f *fakeSource) Buckets(_ context.Context, q tsdb.BucketQuery, dst *tsdb.Points) error {
	f.asked = q
	if f.release != nil {
		f.entered <- struct{}{}
		<-f.release
	}
	dst.SeriesIDs = append(dst.SeriesIDs, f.points.SeriesIDs...)
	dst.TimesMs = append(dst.TimesMs, f.points.TimesMs...)
	dst.Values = append(dst.Values, f.points.Values...)
	return nil
}
func (f *fakeSource) Totals(context.Context, tsdb.BucketQuery) ([]tsdb.SeriesValue, error) {
	return append([]tsdb.SeriesValue(nil), f.totals...), nil
}
func (f *fakeSource) Pending(context.Context, []int64, time.Time, time.Time) (*tsdb.Pending, error) {
	return nil, nil
}
func (f *fakeSource) Names(context.Context, uuid.UUID, *uuid.UUID, int) ([]tsdb.MetricName, error) {
	return nil, nil
}

func manySeries(n int, metric string) []tsdb.Series {
	out := make([]tsdb.Series, n)
	for i := range out {
		out[i] = tsdb.Series{ID: int64(i + 1), Metric: metric, Labels: map[string]string{"i": fmt.Sprint(i)}}
	}
	return out
}

func hourRequest() RangeRequest {
	return RangeRequest{From: planNow.Add(-time.Hour), To: planNow, Step: time.Minute, Agg: tsdb.AggAvg}
}

func TestRangeRefusesBeforeReading(t *testing.T) {
	cases := []struct {
		name   string
		series int
		limits Limits
		req    func(*RangeRequest)
		param  string
	}{
		{"too many series", 1001, DefaultLimits(), nil, "match"},
		{"too many candidates", 50, Limits{MaxCandidates: 40, MaxSeries: 1000, MaxPoints: 11_000, MaxTotalPoints: 1e6, MaxRawRange: day, MaxRange: day, TargetPoints: 300}, nil, "metric"},
		{"too many points in all", 20, Limits{MaxCandidates: 100, MaxSeries: 100, MaxPoints: 11_000, MaxTotalPoints: 1000, MaxRawRange: day, MaxRange: day, TargetPoints: 300}, nil, "interval"},
		{"rate of a gauge", 3, DefaultLimits(), func(r *RangeRequest) { r.Rate = true }, "fn"},
	}
	for _, c := range cases {
		src := &fakeSource{series: manySeries(c.series, "cpu_usage_ratio")}
		s := New(src, Config{Limits: c.limits, Now: func() time.Time { return planNow }})
		req := hourRequest()
		if c.req != nil {
			c.req(&req)
		}
		_, err := s.Range(context.Background(), uuid.New(), uuid.New(), req)
		var e *Error
		if !errors.As(err, &e) || e.Param != c.param {
			t.Errorf("%s: %v, want an *Error on %s", c.name, err, c.param)
		}
		if src.asked.Tier != 0 || src.asked.SeriesIDs != nil {
			t.Errorf("%s: samples were read (%+v) before refusing", c.name, src.asked)
		}
	}
}

func TestRangeShapesPointsBySeries(t *testing.T) {
	src := &fakeSource{series: manySeries(3, "disk_used_ratio")}
	src.points = tsdb.Points{SeriesIDs: []int64{1, 1, 3}, TimesMs: []int64{60_000, 120_000, 60_000}, Values: []float64{1, 2, 3}}
	s := New(src, Config{Now: func() time.Time { return planNow }})
	req := hourRequest()
	req.Matchers, _ = ParseSelector(`{i!="9"}`)
	res, err := s.Range(context.Background(), uuid.New(), uuid.New(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Series) != 2 || res.Series[0].Labels["i"] != "0" || len(res.Series[0].Points) != 2 ||
		res.Series[0].Points[1] != (Point{120_000, 2}) || res.Series[1].Labels["i"] != "2" || res.Series[1].Points[0].Value != 3 {
		t.Errorf("series %+v: want series 1 with two points and series 3 with one, series 2 (no points) left out", res.Series)
	}
	if res.Source != tsdb.Tier1m || res.Step != time.Minute || src.asked.Tier != tsdb.Tier1m || len(src.asked.SeriesIDs) != 3 {
		t.Errorf("read %+v, answered %v at %v; want the 1m tier for all three series", src.asked, res.Source, res.Step)
	}
}

// TestTopBreaksTiesBySeries: an agent whose series tie on the top value
// is shown with the same series whatever order storage answered in (it
// answers in no particular order), so repeated calls and tiers agree.
func TestTopBreaksTiesBySeries(t *testing.T) {
	agent := uuid.New()
	series := manySeries(3, "cpu_usage_ratio")
	for i := range series {
		series[i].AgentID = agent
	}
	for _, order := range [][]int64{{1, 2, 3}, {3, 2, 1}, {2, 3, 1}} {
		src := &fakeSource{series: series}
		for _, id := range order {
			src.totals = append(src.totals, tsdb.SeriesValue{SeriesID: id, Value: 0.5})
		}
		s := New(src, Config{Now: func() time.Time { return planNow }})
		res, err := s.Top(context.Background(), uuid.New(), TopRequest{Metric: "cpu_usage_ratio", Agg: tsdb.AggAvg,
			From: planNow.Add(-24 * time.Hour), To: planNow, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 1 || res.Items[0].Labels["i"] != "0" {
			t.Errorf("storage order %v: items %+v; want the agent once, shown with its first series (i=0)", order, res.Items)
		}
	}
}

func TestQueriesBeyondMaxInFlightAreRefused(t *testing.T) {
	src := &fakeSource{series: manySeries(1, "load1"), entered: make(chan struct{}), release: make(chan struct{})}
	s := New(src, Config{MaxInFlight: 1, QueueWait: 20 * time.Millisecond, Now: func() time.Time { return planNow }})
	done := make(chan error)
	go func() {
		_, err := s.Range(context.Background(), uuid.New(), uuid.New(), hourRequest())
		done <- err
	}()
	<-src.entered
	if _, err := s.Names(context.Background(), uuid.New(), nil); !errors.Is(err, ErrBusy) {
		t.Errorf("a second query while one runs: %v, want ErrBusy", err)
	}
	close(src.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Names(context.Background(), uuid.New(), nil); err != nil {
		t.Errorf("after the first query ended: %v", err)
	}
}
