package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/query"
)

type topReply struct {
	Metric string         `json:"metric"`
	Agg    string         `json:"agg"`
	From   time.Time      `json:"from"`
	To     time.Time      `json:"to"`
	Source string         `json:"source"` // raw, 1m or 1h
	Items  []topItemReply `json:"items"`  // highest first
}

type topItemReply struct {
	AgentID  uuid.UUID         `json:"agent_id"`
	Hostname string            `json:"hostname"`
	Labels   map[string]string `json:"labels"` // the agent's series that ranked it
	Value    float64           `json:"value"`
}

func topQuery() []queryParam {
	return []queryParam{
		{"metric", "metric name (required)"},
		{"match", `label selector, e.g. {cpu="all"}; repeatable`},
		{"agg", "avg (default), min, max, last or sum over the range"},
		{"from", "RFC 3339, Unix seconds or milliseconds, now or now-<duration> (default: to − 1h)"},
		{"to", "as from (default: now)"},
		{"limit", "agents to return, 1 to 100 (default 10)"},
	}
}

func (s *Server) topMetrics(c *fiber.Ctx) error {
	p := principalOf(c)
	req, err := query.ParseTopRequest(queryValues(c), time.Now())
	if err != nil {
		return err
	}
	res, err := s.query.Top(c.UserContext(), p.TenantID, req)
	if err != nil {
		return err
	}
	out := topReply{Metric: res.Metric, Agg: string(res.Agg), From: res.From, To: res.To, Source: res.Source.String(),
		Items: make([]topItemReply, 0, len(res.Items))}
	for _, it := range res.Items {
		out.Items = append(out.Items, topItemReply{AgentID: it.AgentID, Hostname: it.Hostname, Labels: nonNil(it.Labels), Value: it.Value})
	}
	return c.JSON(out)
}

type metricNameReply struct {
	Metric    string   `json:"metric"`
	LabelKeys []string `json:"label_keys"`
	Series    int64    `json:"series"`
}

func (s *Server) metricNames(c *fiber.Ctx) error {
	p := principalOf(c)
	var agentID *uuid.UUID
	if raw := c.Query("agent_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return badRequest("agent_id must be an agent's id (a UUID)")
		}
		agentID = &id
	}
	names, err := s.query.Names(c.UserContext(), p.TenantID, agentID)
	if err != nil {
		return err
	}
	out := page[metricNameReply]{Items: make([]metricNameReply, 0, len(names))}
	for _, n := range names {
		keys := n.LabelKeys
		if keys == nil {
			keys = []string{}
		}
		out.Items = append(out.Items, metricNameReply{Metric: n.Metric, LabelKeys: keys, Series: n.Series})
	}
	return c.JSON(out)
}
