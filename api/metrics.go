package api

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
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
	// Warnings name what the caller likely got wrong although the query
	// was valid: a metric the agent has never sent, with the closest
	// names it has.
	Warnings []string `json:"warnings,omitempty"`
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
		{"from", "RFC 3339, Unix seconds or milliseconds, now or now-<duration> (default: to − 1h)"},
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
	agent, err := s.pathAgent(c)
	if err != nil {
		return err
	}
	id := agent.ID
	req, err := query.ParseRangeRequest(queryValues(c), time.Now())
	if err != nil {
		return err
	}
	// An agent reports at least hourly; a longer heartbeat interval is not
	// a reporting interval to keep buckets at.
	req.MinAutoStep = min(time.Duration(agent.HeartbeatIntervalS)*time.Second, time.Hour)
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
	if out.Warnings, err = s.unknownMetrics(c.UserContext(), p.TenantID, id, req.Metrics, res.Series); err != nil {
		return err
	}
	return c.JSON(out)
}

// unknownMetrics warns about each asked-for metric with no series in the
// answer that the agent has never sent, naming the closest it has.
func (s *Server) unknownMetrics(ctx context.Context, tenantID, agentID uuid.UUID, asked []string, got []query.SeriesPoints) ([]string, error) {
	var missing []string
	for _, m := range asked {
		if !slices.ContainsFunc(got, func(sp query.SeriesPoints) bool { return sp.Metric == m }) {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	names, err := s.query.Names(ctx, tenantID, &agentID)
	if err != nil {
		return nil, err
	}
	known := make([]string, len(names))
	for i, n := range names {
		known[i] = n.Metric
	}
	var out []string
	for _, m := range missing {
		if slices.Contains(known, m) {
			continue // sent, only not in this range
		}
		w := fmt.Sprintf("this agent has never sent metric %q", m)
		if near := query.Closest(m, known); len(near) > 0 {
			w += "; closest: " + strings.Join(near, ", ")
		}
		out = append(out, w)
	}
	return out, nil
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
