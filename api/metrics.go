package api

import (
	"context"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/tsdb"
)

// MetricsQuerier answers metric reads; *query.Service is the real one.
type MetricsQuerier interface {
	Range(ctx context.Context, tenantID, agentID uuid.UUID, req query.RangeRequest) (*query.RangeResult, error)
	Top(ctx context.Context, tenantID uuid.UUID, req query.TopRequest) (*query.TopResult, error)
	Names(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID) ([]tsdb.MetricName, error)
}

type metricsReply struct {
	AgentID  uuid.UUID           `json:"agent_id"`
	From     time.Time           `json:"from"` // aligned down to the interval
	To       time.Time           `json:"to"`   // aligned up to the interval
	Interval string              `json:"interval"`
	Source   string              `json:"source"` // raw, 1m or 1h
	Series   []metricSeriesReply `json:"series"`
	// PendingFrom and PendingUntil, when present, bound the part of the
	// range where late samples are stored but not yet in the 1m or 1h
	// rollup read: those points may still change (raw reads have them).
	PendingFrom  *time.Time `json:"pending_from,omitempty"`
	PendingUntil *time.Time `json:"pending_until,omitempty"`
}

type metricSeriesReply struct {
	Metric string            `json:"metric"`
	Labels map[string]string `json:"labels"`
	Points pointList         `json:"points"` // [[unix_ms, value], …], bucket starts
}

// metricsQuery lists the parameters of GET /agents/:id/metrics for the
// OpenAPI document.
func metricsQuery() []queryParam {
	return []queryParam{
		{"from", "RFC 3339, Unix seconds, now or now-<duration> (default: to − 1h)"},
		{"to", "as from (default: now)"},
		{"interval", "bucket width: 10s, 1m, 5m, 1h, 1d … or auto (≈300 points; default)"},
		{"metric", "metric name; repeatable, any of them"},
		{"match", `label selector, e.g. {cpu="0",mode=~"user|system"}; repeatable, all of them`},
		{"agg", "avg (default), min, max, last or sum"},
		{"fn", "rate: per-second rate of counters (metric names ending in _total)"},
	}
}

func (s *Server) agentMetrics(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.Agent(c.UserContext(), p.TenantID, id); err != nil {
		return err
	}
	req, err := query.ParseRangeRequest(queryValues(c), time.Now())
	if err != nil {
		return err
	}
	res, err := s.query.Range(c.UserContext(), p.TenantID, id, req)
	if err != nil {
		return err
	}
	out := metricsReply{AgentID: res.AgentID, From: res.From, To: res.To, Interval: query.FormatInterval(res.Step),
		Source: res.Source.String(), Series: make([]metricSeriesReply, 0, len(res.Series))}
	if p := res.Pending; p != nil {
		out.PendingFrom, out.PendingUntil = &p.From, &p.Until
	}
	for _, sr := range res.Series {
		pts := make(pointList, len(sr.Points))
		for i, pt := range sr.Points {
			pts[i] = [2]float64{float64(pt.TimeMs), pt.Value}
		}
		out.Series = append(out.Series, metricSeriesReply{Metric: sr.Metric, Labels: nonNil(sr.Labels), Points: pts})
	}
	return c.JSON(out)
}

// queryValues copies the query string: fasthttp reuses its buffers after
// the handler returns.
func queryValues(c *fiber.Ctx) url.Values {
	v := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, val []byte) {
		v.Add(string(k), string(val))
	})
	return v
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// noMetrics stands in when the server was built without a MetricsQuerier.
type noMetrics struct{}

func errNoMetrics() error {
	return newProblem(fiber.StatusServiceUnavailable, "unavailable", "metric queries are not available on this server")
}

func (noMetrics) Range(context.Context, uuid.UUID, uuid.UUID, query.RangeRequest) (*query.RangeResult, error) {
	return nil, errNoMetrics()
}
func (noMetrics) Top(context.Context, uuid.UUID, query.TopRequest) (*query.TopResult, error) {
	return nil, errNoMetrics()
}
func (noMetrics) Names(context.Context, uuid.UUID, *uuid.UUID) ([]tsdb.MetricName, error) {
	return nil, errNoMetrics()
}

// queryProblem is the answer to a query the caller must change.
func queryProblem(e *query.Error) *Problem {
	slug := "invalid-query"
	if e.TooLarge {
		slug = "query-too-large"
	}
	p := newProblem(fiber.StatusBadRequest, slug, e.Message)
	p.Errors = []FieldError{{Field: e.Param, Message: e.Message}}
	return p
}
