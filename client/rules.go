package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Rule is an alert rule on a metric (GET /alert-rules/:id).
type Rule struct {
	Raw
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Metric    string    `json:"metric"`
	Match     string    `json:"match"`
	Agg       string    `json:"agg"`
	Op        string    `json:"op"`
	Threshold float64   `json:"threshold"`
	Window    string    `json:"window"`
	Predict   string    `json:"predict"` // agg predict_linear: how far past now
	For       string    `json:"for"`
	Severity  string    `json:"severity"`
	Scope     string    `json:"scope"` // fleet, agent or tag
	AgentID   string    `json:"agent_id"`
	Tag       string    `json:"tag"`
	Enabled   bool      `json:"enabled"`
	Builtin   string    `json:"builtin"` // the default rule it came from
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RuleSpec is the definition of a rule, as POST and PUT /alert-rules take
// it. Zero optional fields take the hub's defaults.
type RuleSpec struct {
	Name      string   `json:"name"`
	Metric    string   `json:"metric"`
	Match     string   `json:"match,omitempty"`
	Agg       string   `json:"agg,omitempty"`
	Op        string   `json:"op"`
	Threshold *float64 `json:"threshold"`
	Window    string   `json:"window,omitempty"`
	Predict   string   `json:"predict,omitempty"`
	For       string   `json:"for,omitempty"`
	Severity  string   `json:"severity,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	AgentID   string   `json:"agent_id,omitempty"`
	Tag       string   `json:"tag,omitempty"`
	Enabled   *bool    `json:"enabled,omitempty"`
}

// Spec is the definition that PUT takes to keep r as it is.
func (r Rule) Spec() RuleSpec {
	threshold, enabled := r.Threshold, r.Enabled
	return RuleSpec{Name: r.Name, Metric: r.Metric, Match: r.Match, Agg: r.Agg, Op: r.Op, Threshold: &threshold,
		Window: r.Window, Predict: r.Predict, For: r.For, Severity: r.Severity, Scope: r.Scope, AgentID: r.AgentID, Tag: r.Tag, Enabled: &enabled}
}

// Rules lists the tenant's alert rules.
func (c *Client) Rules(ctx context.Context) (List[Rule], error) {
	return listAll[Rule](ctx, c, "/alert-rules", nil, 0)
}

// Rule fetches one alert rule.
func (c *Client) Rule(ctx context.Context, id string) (Rule, error) {
	var r Rule
	err := c.get(ctx, "/alert-rules/"+url.PathEscape(id), nil, &r)
	return r, err
}

// CreateRule creates an alert rule.
func (c *Client) CreateRule(ctx context.Context, spec RuleSpec) (Rule, error) {
	var r Rule
	err := c.send(ctx, http.MethodPost, "/alert-rules", nil, spec, &r)
	return r, err
}

// UpdateRule replaces a rule's definition.
func (c *Client) UpdateRule(ctx context.Context, id string, spec RuleSpec) (Rule, error) {
	var r Rule
	err := c.send(ctx, http.MethodPut, "/alert-rules/"+url.PathEscape(id), nil, spec, &r)
	return r, err
}

// SetRuleEnabled turns a rule on or off, keeping the rest of it. The API
// replaces rules whole, so a change someone makes between the read and the
// write here is overwritten.
func (c *Client) SetRuleEnabled(ctx context.Context, id string, enabled bool) (Rule, error) {
	r, err := c.Rule(ctx, id)
	if err != nil {
		return Rule{}, err
	}
	spec := r.Spec()
	spec.Enabled = &enabled
	return c.UpdateRule(ctx, id, spec)
}

// DeleteRule deletes a rule; its open alerts are resolved.
func (c *Client) DeleteRule(ctx context.Context, id string) error {
	return c.send(ctx, http.MethodDelete, "/alert-rules/"+url.PathEscape(id), nil, nil, nil)
}
