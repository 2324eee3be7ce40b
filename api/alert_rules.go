package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/alerting"
	"github.com/monsys/monsys/store"
)

// alertRuleRequest creates or replaces a rule. Durations are Go durations
// ("5m", "90s").
type alertRuleRequest struct {
	Name      string     `json:"name"`
	Metric    string     `json:"metric"`
	Match     string     `json:"match"` // label selector, e.g. {mount="/"}
	Agg       string     `json:"agg"`   // avg, min, max, last, sum, increase or predict_linear over the window
	Op        string     `json:"op"`    // > >= < <= == !=
	Threshold *float64   `json:"threshold"`
	Window    string     `json:"window"`            // default 5m
	Predict   string     `json:"predict,omitempty"` // predict_linear only: how far past now, e.g. 24h
	For       string     `json:"for"`               // default 0s: fire at once
	Severity  string     `json:"severity"`
	Scope     string     `json:"scope"` // fleet, agent or tag
	AgentID   *uuid.UUID `json:"agent_id,omitempty"`
	Tag       string     `json:"tag,omitempty"`
	Enabled   *bool      `json:"enabled,omitempty"` // default true
}

type alertRuleReply struct {
	ID        uuid.UUID  `json:"id"`
	Name      string     `json:"name"`
	Metric    string     `json:"metric"`
	Match     string     `json:"match"`
	Agg       string     `json:"agg"`
	Op        string     `json:"op"`
	Threshold float64    `json:"threshold"`
	Window    string     `json:"window"`
	Predict   string     `json:"predict,omitempty"`
	For       string     `json:"for"`
	Severity  string     `json:"severity"`
	Scope     string     `json:"scope"`
	AgentID   *uuid.UUID `json:"agent_id,omitempty"`
	Tag       string     `json:"tag,omitempty"`
	Enabled   bool       `json:"enabled"`
	Builtin   string     `json:"builtin,omitempty"` // the default rule it was installed from
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

func seconds(n int32) string {
	switch {
	case n != 0 && n%3600 == 0:
		return strconv.Itoa(int(n/3600)) + "h"
	case n != 0 && n%60 == 0:
		return strconv.Itoa(int(n/60)) + "m"
	}
	return strconv.Itoa(int(n)) + "s"
}

func toRuleReply(r store.AlertRule) alertRuleReply {
	out := alertRuleReply{ID: r.ID, Name: r.Name, Metric: r.Metric, Match: r.Match, Agg: r.Agg, Op: r.Op,
		Threshold: r.Threshold, Window: seconds(r.WindowS), For: seconds(r.ForS), Severity: r.Severity, Scope: r.Scope,
		AgentID: r.ScopeAgent, Tag: r.ScopeTag, Enabled: r.Enabled, Builtin: r.Builtin,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)}
	if r.PredictS > 0 {
		out.Predict = seconds(r.PredictS)
	}
	return out
}

// parseRule validates a request into a rule of the tenant.
func (s *Server) parseRule(c *fiber.Ctx) (store.AlertRule, error) {
	var req alertRuleRequest
	if err := s.decodeJSON(c, &req, true); err != nil {
		return store.AlertRule{}, err
	}
	var errs []FieldError
	dur := func(field, raw, def string) time.Duration {
		if raw == "" {
			raw = def
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			errs = append(errs, FieldError{Field: field, Message: "must be a duration like 90s, 5m or 1h"})
		}
		return d
	}
	spec := alerting.Spec{Name: strings.TrimSpace(req.Name), Metric: req.Metric, Match: req.Match, Agg: req.Agg, Op: req.Op,
		Window: dur("window", req.Window, "5m"), For: dur("for", req.For, "0s"), Severity: req.Severity,
		Predict: dur("predict", req.Predict, "0s"),
		Scope:   req.Scope, AgentSet: req.AgentID != nil, Tag: req.Tag}
	if req.Threshold == nil {
		errs = append(errs, FieldError{Field: "threshold", Message: "is required"})
	} else {
		spec.Threshold = *req.Threshold
	}
	if len(errs) == 0 {
		for _, e := range spec.Validate() {
			errs = append(errs, FieldError{Field: e.Field, Message: e.Message})
		}
	}
	if len(errs) > 0 {
		return store.AlertRule{}, invalid(errs)
	}
	p := principalOf(c)
	return store.AlertRule{TenantID: p.TenantID, Name: spec.Name, Metric: spec.Metric, Match: spec.Match, Agg: spec.Agg,
		Op: spec.Op, Threshold: spec.Threshold, WindowS: int32(spec.Window / time.Second), ForS: int32(spec.For / time.Second),
		PredictS: int32(spec.Predict / time.Second),
		Severity: spec.Severity, Scope: spec.Scope, ScopeAgent: req.AgentID, ScopeTag: spec.Tag,
		Enabled: req.Enabled == nil || *req.Enabled, CreatedBy: &p.UserID}, nil
}

func (s *Server) createAlertRule(c *fiber.Ctx) error {
	r, err := s.parseRule(c)
	if err != nil {
		return err
	}
	out, err := s.store.CreateAlertRule(c.UserContext(), r)
	if err != nil {
		return noSuchScopeAgent(err)
	}
	return c.Status(http.StatusCreated).JSON(toRuleReply(out))
}

func (s *Server) updateAlertRule(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.parseRule(c)
	if err != nil {
		return err
	}
	r.ID = id
	out, err := s.store.UpdateAlertRule(c.UserContext(), r)
	if err != nil {
		return err // no such rule, or its scope agent is not the tenant's: 404 either way
	}
	return c.JSON(toRuleReply(out))
}

// noSuchScopeAgent: a new rule is refused only for its agent_id.
func noSuchScopeAgent(err error) error {
	return answerAs(err, store.ErrNotFound, invalid([]FieldError{{Field: "agent_id", Message: "no such agent in this tenant"}}))
}

func (s *Server) getAlertRule(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.store.AlertRule(c.UserContext(), principalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(toRuleReply(r))
}

func (s *Server) listAlertRules(c *fiber.Ctx) error {
	limit, after, err := idPage(c)
	if err != nil {
		return err
	}
	rules, err := s.store.AlertRules(c.UserContext(), principalOf(c).TenantID, after, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(rules, limit, toRuleReply, func(r store.AlertRule) any { return r.ID }))
}

func (s *Server) deleteAlertRule(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteAlertRule(c.UserContext(), principalOf(c).TenantID, id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// defaultRulesReply says how many default rules were added.
type defaultRulesReply struct {
	Installed int `json:"installed"`
}

// installDefaultRules adds the default rules the tenant lacks (the way
// back for a tenant whose operator declined them, or after deleting one).
func (s *Server) installDefaultRules(c *fiber.Ctx) error {
	n, err := s.store.InstallDefaultRules(c.UserContext(), principalOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(defaultRulesReply{Installed: n})
}
