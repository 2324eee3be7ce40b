package query

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/tsdb"
)

// TopItem is one agent of a top answer, with the series that ranked it.
type TopItem struct {
	AgentID  uuid.UUID
	Hostname string
	Labels   map[string]string
	Value    float64
}

// TopResult answers a TopRequest.
type TopResult struct {
	Metric   string
	Agg      tsdb.Agg
	From, To time.Time // the range read, aligned on the tier's bucket
	Source   tsdb.Tier
	Items    []TopItem // highest value first
}

// Top ranks the tenant's agents by req.Agg of req.Metric over the range:
// each series is aggregated over the whole range, an agent counts with its
// highest series (the fullest disk, the busiest CPU), and the req.Limit
// highest agents are returned.
func (s *Service) Top(ctx context.Context, tenantID uuid.UUID, req TopRequest) (*TopResult, error) {
	l := s.cfg.Limits
	plan, err := planTotal(req.From, req.To, l, s.cfg.Retention, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	ctx, done, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	series, err := s.tenantSeries(ctx, tenantID, req.Metric, req.Matchers)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]tsdb.Series, len(series))
	q := tsdb.BucketQuery{Tier: plan.Tier, From: plan.From, To: plan.To, Agg: req.Agg, SeriesIDs: make([]int64, 0, len(series))}
	for _, sr := range series {
		byID[sr.ID] = sr
		q.SeriesIDs = append(q.SeriesIDs, sr.ID)
	}
	values, err := s.src.Totals(ctx, q)
	if err != nil {
		return nil, err
	}
	// Storage answers in no particular order: walk series by id so that
	// an agent whose series tie is always shown with the same one.
	sort.Slice(values, func(i, j int) bool { return values[i].SeriesID < values[j].SeriesID })
	best := map[uuid.UUID]TopItem{}
	for _, v := range values {
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			continue
		}
		sr := byID[v.SeriesID]
		if cur, ok := best[sr.AgentID]; !ok || v.Value > cur.Value {
			best[sr.AgentID] = TopItem{AgentID: sr.AgentID, Hostname: sr.Hostname, Labels: sr.Labels, Value: v.Value}
		}
	}
	items := make([]TopItem, 0, len(best))
	for _, it := range best {
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].Value != items[j].Value {
			return items[i].Value > items[j].Value
		}
		return items[i].Hostname < items[j].Hostname
	})
	if len(items) > req.Limit {
		items = items[:req.Limit]
	}
	return &TopResult{Metric: req.Metric, Agg: req.Agg, From: plan.From, To: plan.To, Source: plan.Tier, Items: items}, nil
}

// planTotal picks the tier a whole-range aggregate reads: hours for
// ranges of 6 hours or more, minutes from 10 minutes, raw samples below;
// a coarser tier when the finer one has not kept data back to from. The
// range is widened to whole buckets of the tier.
func planTotal(from, to time.Time, l Limits, ret tsdb.Retention, now time.Time) (Plan, error) {
	if !to.After(from) {
		return Plan{}, invalidf("to", "to (%s) must be after from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	span := to.Sub(from)
	if span > l.MaxRange {
		return Plan{}, tooLargef("from", "the range is %s; at most %s", FormatInterval(span.Truncate(time.Second)), FormatInterval(l.MaxRange))
	}
	tier := tsdb.TierRaw
	switch {
	case span >= 6*time.Hour:
		tier = tsdb.Tier1h
	case span >= 10*time.Minute:
		tier = tsdb.Tier1m
	}
	for tier < tsdb.Tier1h && ret.Of(tier) > 0 && from.Before(now.Add(-ret.Of(tier))) {
		tier++
	}
	p := Plan{Tier: tier, Step: span, From: from.UTC(), To: to.UTC()}
	if w := tier.Width(); w > 0 {
		p.From, p.To = tsdb.FloorTime(from, w), ceilTime(to, w)
		p.Step = p.To.Sub(p.From)
	}
	return p, nil
}
