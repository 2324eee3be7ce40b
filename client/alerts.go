package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Alert is one alert raised by an agent, a rule or the hub (GET /alerts).
type Alert struct {
	Raw
	ID          string     `json:"id"`
	AgentID     string     `json:"agent_id"`
	Hostname    string     `json:"hostname"`
	Source      string     `json:"source"` // agent, rule or system
	Key         string     `json:"key"`
	Severity    string     `json:"severity"`
	Summary     string     `json:"summary"`
	State       string     `json:"state"` // pending, firing or resolved
	StartedAt   time.Time  `json:"started_at"`
	LastSeenAt  time.Time  `json:"last_seen_at"`
	ResolvedAt  *time.Time `json:"resolved_at"`
	ResolvedBy  string     `json:"resolved_by"`
	ResolveNote string     `json:"resolve_note"`
}

// AlertQuery narrows Alerts. Since takes RFC 3339, Unix seconds or
// now-<duration>.
type AlertQuery struct {
	State    string // pending, firing or resolved
	Severity string // info, warning or critical
	Source   string // agent, rule or system
	AgentID  string
	Since    string
	Limit    int // 0: all
}

// Alerts lists alerts, newest first.
func (c *Client) Alerts(ctx context.Context, aq AlertQuery) (List[Alert], error) {
	q := url.Values{}
	setIf(q, "state", aq.State)
	setIf(q, "severity", aq.Severity)
	setIf(q, "source", aq.Source)
	setIf(q, "agent_id", aq.AgentID)
	setIf(q, "since", aq.Since)
	return listAll[Alert](ctx, c, "/alerts", q, aq.Limit)
}

// ResolveAlert closes an open alert by hand with an optional note.
func (c *Client) ResolveAlert(ctx context.Context, id, note string) (Alert, error) {
	var a Alert
	err := c.send(ctx, http.MethodPatch, "/alerts/"+url.PathEscape(id)+"/resolve", nil, map[string]string{"note": note}, &a)
	return a, err
}
