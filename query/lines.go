package query

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/tsdb"
)

// LinesRequest asks for one metric of several agents at one step, in one
// read: the fleet page's sparklines.
type LinesRequest struct {
	Metric   string
	Matchers []Matcher
	AgentIDs []uuid.UUID
	From, To time.Time
	Step     time.Duration
	Agg      tsdb.Agg
}

// Lines answers, for each agent of req that has a matching series, the
// points of its first one by series id (cpu_usage_ratio{cpu="all"} has one
// per agent). Planning and limits are those of Range; series come from
// MetricSeries ordered by id.
func (s *Service) Lines(ctx context.Context, tenantID uuid.UUID, req LinesRequest) (map[uuid.UUID][]Point, error) {
	l := s.cfg.Limits
	plan, err := PlanRange(req.From, req.To, req.Step, l, s.cfg.Retention, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	want := make(map[uuid.UUID]bool, len(req.AgentIDs))
	for _, id := range req.AgentIDs {
		want[id] = true
	}
	ctx, done, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	candidates, err := s.tenantSeries(ctx, tenantID, req.Metric, req.Matchers)
	if err != nil {
		return nil, err
	}
	// Series come by id: the first of an agent is the one it is drawn with.
	agentOf := make(map[int64]uuid.UUID, len(req.AgentIDs))
	var series []tsdb.Series
	for _, sr := range candidates {
		if want[sr.AgentID] {
			want[sr.AgentID] = false
			agentOf[sr.ID] = sr.AgentID
			series = append(series, sr)
		}
	}
	if err := checkSelection(series, plan, false, l); err != nil {
		return nil, err
	}
	q := tsdb.BucketQuery{Tier: plan.Tier, Step: plan.Step, From: plan.From, To: plan.To, Agg: req.Agg}
	for _, sr := range series {
		q.SeriesIDs = append(q.SeriesIDs, sr.ID)
	}
	var pts tsdb.Points
	if err := s.src.Buckets(ctx, q, &pts); err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]Point, len(series))
	for k, id := range pts.SeriesIDs {
		a := agentOf[id]
		out[a] = append(out[a], Point{TimeMs: pts.TimesMs[k], Value: pts.Values[k]})
	}
	return out, nil
}

// tenantSeries lists the series of metric over the tenant's live agents
// that satisfy every matcher, refusing to read more than MaxCandidates.
// The caller holds a turn (begin).
func (s *Service) tenantSeries(ctx context.Context, tenantID uuid.UUID, metric string, ms []Matcher) ([]tsdb.Series, error) {
	l := s.cfg.Limits
	candidates, err := s.src.MetricSeries(ctx, tenantID, metric, equalities(ms), l.MaxCandidates+1)
	if err != nil {
		return nil, err
	}
	if len(candidates) > l.MaxCandidates {
		return nil, tooLargef("metric", "%s has more than %d series in this tenant that match; narrow it with match=", metric, l.MaxCandidates)
	}
	return matching(candidates, ms), nil
}
