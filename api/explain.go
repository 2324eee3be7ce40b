package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/explain"
	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
)

// explainLimit bounds explanations per person: each may ask a model.
var explainLimit = func() *rateLimit { return limitPolicy("ai_explain", 30, time.Minute, byUser) }

// explainContext bounds what the answer shows of the agent.
const (
	explainMetricWindow = 15 * time.Minute
	// explainMetricStep is under a minute so the read is of raw samples:
	// the rollups do not hold the last minutes yet.
	explainMetricStep   = 30 * time.Second
	explainMaxSeries    = 12
	explainMaxPerMetric = 4
	explainMaxAlerts    = 10
)

var langCode = regexp.MustCompile(`^[a-z]{2}$`)

// explainLog answers GET /ai/explain: what a log line means, its likely
// cause and what to do, with the agent's context when agent_id is given.
func (s *Server) explainLog(c *fiber.Ctx) error {
	p := principalOf(c)
	line := c.Query("log")
	if line == "" { // its length is bounded like every query parameter's (4096 bytes)
		return badRequest("log is required: the log line to explain")
	}
	lang := c.Query("lang", "en")
	if !langCode.MatchString(lang) {
		return badRequest("lang must be a two-letter ISO 639-1 code such as en or de")
	}
	var agentID *uuid.UUID
	if raw := c.Query("agent_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return badRequest("agent_id must be a UUID")
		}
		agentID = &id
	}
	ctx := c.UserContext()
	match := s.explainer.Find(line)
	var about explain.Context
	var warnings []string
	if agentID != nil {
		a, err := s.store.Agent(ctx, p.TenantID, *agentID)
		if err != nil {
			return err // another tenant's agent is not found
		}
		about, warnings, err = s.explainContext(ctx, p.TenantID, a, explain.MetricsFor(match))
		if err != nil {
			return err
		}
	}
	ans := s.explainer.Explain(ctx, explain.Request{Line: line, Lang: lang, Match: match, Context: about})
	ans.Warnings = append(warnings, ans.Warnings...)

	ev := s.auditEvent(c, "log_explained")
	sum := sha256.Sum256([]byte(line))
	ev.Details = map[string]any{"source": ans.Source, "lang": ans.Lang, "log_sha256": hex.EncodeToString(sum[:]), "log_bytes": len(line)}
	if ans.Rule != nil {
		ev.Details["rule"] = ans.Rule.ID
	}
	if agentID != nil {
		ev.TargetType, ev.TargetID = "agent", agentID.String()
	}
	if err := s.store.Record(ctx, ev); err != nil {
		return err
	}
	return c.JSON(ans)
}

// explainContext gathers what the hub knows of the agent: its host facts,
// the latest values of the metrics the rule names, and its open alerts.
// Metrics that cannot be read become a warning, not a failed answer.
func (s *Server) explainContext(ctx context.Context, tenantID uuid.UUID, a store.Agent, metrics []string) (explain.Context, []string, error) {
	out := explain.Context{Host: &explain.Host{Hostname: a.Hostname}}
	facts, err := s.store.HostFacts(ctx, tenantID, []uuid.UUID{a.ID})
	if err != nil {
		return out, nil, err
	}
	if h := toHostReply(facts[a.ID]); h != nil {
		out.Host.OS, out.Host.OSVersion, out.Host.Kernel, out.Host.Arch = h.OSName, h.OSVersion, h.Kernel, h.Arch
		out.Host.CPUCores, out.Host.MemoryMiB = h.CPUCores, h.MemoryBytes>>20
	}
	alerts, err := s.store.Alerts(ctx, tenantID, store.AlertFilter{State: store.AlertFiring, AgentID: &a.ID, Limit: explainMaxAlerts})
	if err != nil {
		return out, nil, err
	}
	for _, al := range alerts {
		out.Alerts = append(out.Alerts, explain.Alert{Title: al.Summary, Severity: al.Severity, Source: al.Source, StartedAt: utc(al.StartedAt)})
	}
	now := time.Now()
	res, err := s.query.Range(ctx, tenantID, a.ID, query.RangeRequest{From: now.Add(-explainMetricWindow), To: now,
		Step: explainMetricStep, Metrics: metrics, Agg: tsdb.AggLast})
	if err != nil {
		reason := "the metric store is unavailable"
		if pr := problemFor(err); pr != nil && pr.Detail != "" {
			reason = pr.Detail
		}
		return out, []string{"the agent's recent metrics could not be read: " + reason}, nil
	}
	out.Metrics = latestValues(res.Series, metrics)
	return out, nil, nil
}

// latestValues is each series' last point, in the order the rule names
// the metrics; of one metric's series (filesystems, CPUs) the highest
// come first, at most explainMaxPerMetric, and explainMaxSeries in all.
func latestValues(series []query.SeriesPoints, order []string) []explain.MetricValue {
	byMetric := map[string][]explain.MetricValue{}
	for _, sp := range series {
		if len(sp.Points) == 0 {
			continue
		}
		last := sp.Points[len(sp.Points)-1]
		byMetric[sp.Metric] = append(byMetric[sp.Metric], explain.MetricValue{Name: sp.Metric, Labels: sp.Labels,
			Value: last.Value, At: time.UnixMilli(last.TimeMs).UTC()})
	}
	var out []explain.MetricValue
	for _, name := range order {
		vs := byMetric[name]
		sort.SliceStable(vs, func(i, j int) bool { return vs[i].Value > vs[j].Value })
		out = append(out, vs[:min(len(vs), explainMaxPerMetric)]...)
	}
	return out[:min(len(out), explainMaxSeries)]
}
