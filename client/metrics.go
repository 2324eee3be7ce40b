package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// Metrics is an agent's metrics over a range (GET /agents/:id/metrics).
type Metrics struct {
	Raw
	AgentID  string    `json:"agent_id"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Interval string    `json:"interval"`
	Source   string    `json:"source"` // raw, 1m or 1h
	Series   []Series  `json:"series"`
}

// Series is one metric and label set with its points, oldest first.
type Series struct {
	Metric string            `json:"metric"`
	Labels map[string]string `json:"labels"`
	Points []Point           `json:"points"`
}

// Point is one bucket: its start and its value.
type Point struct {
	Time  time.Time
	Value float64
}

// UnmarshalJSON reads the API's [unix_ms, value] pair.
func (p *Point) UnmarshalJSON(b []byte) error {
	var pair [2]float64
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	p.Time, p.Value = time.UnixMilli(int64(pair[0])).UTC(), pair[1]
	return nil
}

// MarshalJSON writes the API's [unix_ms, value] pair.
func (p Point) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]float64{float64(p.Time.UnixMilli()), p.Value})
}

// MetricsQuery is the range and selection of a metrics read. From and To
// take what the API takes: RFC 3339, Unix seconds, now, now-<duration>.
type MetricsQuery struct {
	Metric   string
	Match    string // label selector, e.g. {cpu="all"}
	From, To string
	Interval string // 1m, 1h … or auto (default)
	Agg      string // avg (default), min, max, last, sum
	Fn       string // rate
}

// Metrics reads one agent's metrics.
func (c *Client) Metrics(ctx context.Context, agentID string, mq MetricsQuery) (Metrics, error) {
	q := url.Values{}
	setIf(q, "metric", mq.Metric)
	setIf(q, "match", mq.Match)
	setIf(q, "from", mq.From)
	setIf(q, "to", mq.To)
	setIf(q, "interval", mq.Interval)
	setIf(q, "agg", mq.Agg)
	setIf(q, "fn", mq.Fn)
	var m Metrics
	err := c.get(ctx, "/agents/"+url.PathEscape(agentID)+"/metrics", q, &m)
	return m, err
}

// Top is the agents with the highest value of a metric (GET /metrics/top).
type Top struct {
	Raw
	Metric string    `json:"metric"`
	Agg    string    `json:"agg"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Source string    `json:"source"`
	Items  []TopItem `json:"items"` // highest first
}

// TopItem is one ranked agent and the series that ranked it.
type TopItem struct {
	AgentID  string            `json:"agent_id"`
	Hostname string            `json:"hostname"`
	Labels   map[string]string `json:"labels"`
	Value    float64           `json:"value"`
}

// TopQuery selects a ranking; From and To as in MetricsQuery.
type TopQuery struct {
	Metric   string
	Match    string
	Agg      string
	From, To string
	Limit    int // 1 to 100; 0: the hub's default (10)
}

// Top ranks the tenant's agents by a metric.
func (c *Client) Top(ctx context.Context, tq TopQuery) (Top, error) {
	q := url.Values{"metric": {tq.Metric}}
	setIf(q, "match", tq.Match)
	setIf(q, "agg", tq.Agg)
	setIf(q, "from", tq.From)
	setIf(q, "to", tq.To)
	if tq.Limit > 0 {
		q.Set("limit", strconv.Itoa(tq.Limit))
	}
	var t Top
	err := c.get(ctx, "/metrics/top", q, &t)
	return t, err
}

// MetricName is a metric seen in the tenant (GET /metrics/names).
type MetricName struct {
	Raw
	Metric    string   `json:"metric"`
	LabelKeys []string `json:"label_keys"`
	Series    int64    `json:"series"`
}

// MetricNames lists the metric names of the tenant, or of one agent when
// agentID is set.
func (c *Client) MetricNames(ctx context.Context, agentID string) (List[MetricName], error) {
	q := url.Values{}
	setIf(q, "agent_id", agentID)
	var pg rawPage
	if err := c.get(ctx, "/metrics/names", q, &pg); err != nil {
		return List[MetricName]{}, err
	}
	var l List[MetricName]
	return l, appendItems(&l, pg.Items, "GET /metrics/names")
}
