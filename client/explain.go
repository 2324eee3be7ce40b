package client

import (
	"context"
	"net/url"
)

// Explanation is the hub's answer about a log line (GET /ai/explain).
type Explanation struct {
	Raw
	Source  string `json:"source"` // rules or model
	Model   string `json:"model"`
	Lang    string `json:"lang"`
	Matched bool   `json:"matched"`
	Rule    *struct {
		ID       string `json:"id"`
		Category string `json:"category"`
		Severity string `json:"severity"`
	} `json:"rule"`
	Meaning  string   `json:"meaning"`
	Cause    string   `json:"cause"`
	Action   string   `json:"action"`
	Warnings []string `json:"warnings"`
	Context  struct {
		Metrics []struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
			Value  float64           `json:"value"`
		} `json:"metrics"`
		Alerts []struct {
			Title    string `json:"title"`
			Severity string `json:"severity"`
		} `json:"alerts"`
	} `json:"context"`
}

// Explain asks what line means; agentID (optional) adds that agent's
// context, lang ("" for English) the answer's language.
func (c *Client) Explain(ctx context.Context, line, agentID, lang string) (Explanation, error) {
	q := url.Values{"log": {line}}
	setIf(q, "agent_id", agentID)
	setIf(q, "lang", lang)
	var e Explanation
	err := c.get(ctx, "/ai/explain", q, &e)
	return e, err
}
