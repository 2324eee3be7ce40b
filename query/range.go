package query

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/tsdb"
)

// Point is one bucket of an answer: its start and its value.
type Point struct {
	TimeMs int64 // Unix milliseconds
	Value  float64
}

// SeriesPoints is one series of an answer.
type SeriesPoints struct {
	Metric string
	Labels map[string]string
	Points []Point
}

// RangeResult answers a RangeRequest.
type RangeResult struct {
	AgentID  uuid.UUID
	From, To time.Time // the range read, aligned on Step
	Step     time.Duration
	Source   tsdb.Tier
	Series   []SeriesPoints // by metric, then labels; series without points in the range are left out
	// Pending, when set, is where the series have late samples that the
	// rollups read (Source 1m or 1h) do not hold yet: points there may
	// still change after the rollup worker's next run.
	Pending *tsdb.Pending
}

// Range answers req for one agent of the tenant. The caller has checked
// that the agent is the tenant's; series are read by tenant and agent all
// the same.
func (s *Service) Range(ctx context.Context, tenantID, agentID uuid.UUID, req RangeRequest) (*RangeResult, error) {
	l := s.cfg.Limits
	plan, err := PlanRange(req.From, req.To, autoFloor(req, l), l, s.cfg.Retention, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	ctx, done, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	candidates, err := s.src.AgentSeries(ctx, tenantID, agentID, req.Metrics, equalities(req.Matchers), l.MaxCandidates+1)
	if err != nil {
		return nil, err
	}
	if len(candidates) > l.MaxCandidates {
		return nil, tooLargef("metric", "this agent has more than %d series of these metrics; name fewer metrics or match labels", l.MaxCandidates)
	}
	series := matching(candidates, req.Matchers)
	if err := checkSelection(series, plan, req.Rate, l); err != nil {
		return nil, err
	}
	q := tsdb.BucketQuery{Tier: plan.Tier, Step: plan.Step, From: plan.From, To: plan.To, Agg: req.Agg}
	if req.Rate {
		q.From = plan.From.Add(-plan.Step) // the first bucket's predecessor
	}
	q.SeriesIDs = make([]int64, len(series))
	for i, sr := range series {
		q.SeriesIDs[i] = sr.ID
	}
	var pts tsdb.Points
	if err := s.src.Buckets(ctx, q, &pts); err != nil {
		return nil, err
	}
	res := &RangeResult{AgentID: agentID, From: plan.From, To: plan.To, Step: plan.Step, Source: plan.Tier}
	if plan.Tier != tsdb.TierRaw {
		if res.Pending, err = s.src.Pending(ctx, q.SeriesIDs, plan.From, plan.To); err != nil {
			return nil, err
		}
	}
	var r *rateWindow
	if req.Rate {
		r = &rateWindow{fromMs: plan.From.UnixMilli(), stepMs: plan.Step.Milliseconds(), openMs: s.cfg.Now().UnixMilli()}
	}
	res.Series = shape(series, &pts, r)
	return res, nil
}

func checkSelection(series []tsdb.Series, plan Plan, rate bool, l Limits) error {
	if len(series) > l.MaxSeries {
		return tooLargef("match", "the query selects %d series; at most %d: narrow it with metric= or match=", len(series), l.MaxSeries)
	}
	if n := len(series) * plan.Points(); n > l.MaxTotalPoints {
		return tooLargef("interval", "%d series × %d points is more than %d points: use a larger interval or fewer series", len(series), plan.Points(), l.MaxTotalPoints)
	}
	if rate {
		for _, sr := range series {
			if !strings.HasSuffix(sr.Metric, "_total") {
				return invalidf("fn", "rate applies to counters (metric names ending in _total); %s is not one: select counters with metric=", sr.Metric)
			}
		}
	}
	return nil
}

// rateWindow is what rateOf needs to know of the query.
type rateWindow struct{ fromMs, stepMs, openMs int64 }

// shape groups the columnar points by series, in the order of series,
// into one backing array, turned into rates when r is set.
func shape(series []tsdb.Series, pts *tsdb.Points, r *rateWindow) []SeriesPoints {
	index := make(map[int64]int, len(series))
	for i, sr := range series {
		index[sr.ID] = i
	}
	counts := make([]int, len(series))
	for _, id := range pts.SeriesIDs {
		counts[index[id]]++
	}
	all := make([]Point, pts.Len())
	out := make([]SeriesPoints, 0, len(series))
	start := make([]int, len(series))
	off := 0
	for i, n := range counts {
		start[i] = off
		off += n
	}
	fill := append([]int(nil), start...)
	for k, id := range pts.SeriesIDs {
		i := index[id]
		all[fill[i]] = Point{TimeMs: pts.TimesMs[k], Value: pts.Values[k]}
		fill[i]++
	}
	for i, sr := range series {
		p := all[start[i] : start[i]+counts[i] : start[i]+counts[i]]
		if r != nil {
			p = rateOf(p, r.fromMs, r.stepMs, r.openMs)
		}
		if len(p) > 0 {
			out = append(out, SeriesPoints{Metric: sr.Metric, Labels: sr.Labels, Points: p})
		}
	}
	return out
}

// autoFloor is req's step, except that auto over a short range, which
// would pick a step below req.MinAutoStep (the agent reports less often),
// takes the nice step at or above MinAutoStep instead.
func autoFloor(req RangeRequest, l Limits) time.Duration {
	if req.Step != 0 || req.MinAutoStep <= 0 {
		return req.Step
	}
	if niceStep(req.To.Sub(req.From)/time.Duration(max(l.TargetPoints, 1))) >= req.MinAutoStep {
		return 0
	}
	return niceStep(req.MinAutoStep)
}
