package explain

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Host is what the hub knows of the agent's machine.
type Host struct {
	Hostname  string `json:"hostname"`
	OS        string `json:"os,omitempty"`
	OSVersion string `json:"os_version,omitempty"`
	Kernel    string `json:"kernel,omitempty"`
	Arch      string `json:"arch,omitempty"`
	CPUCores  int    `json:"cpu_cores,omitempty"`
	MemoryMiB uint64 `json:"memory_mib,omitempty"`
}

// MetricValue is a metric's latest value on the agent.
type MetricValue struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
	Value  float64           `json:"value"`
	At     time.Time         `json:"at"`
}

// Alert is an open alert of the agent.
type Alert struct {
	Title     string    `json:"title"`
	Severity  string    `json:"severity"`
	Source    string    `json:"source"`
	StartedAt time.Time `json:"started_at"`
}

// Context is what the answer is given about the agent the line came from.
type Context struct {
	Host    *Host         `json:"host,omitempty"`
	Metrics []MetricValue `json:"metrics,omitempty"`
	Alerts  []Alert       `json:"alerts,omitempty"`
}

// Request is one log text to explain.
type Request struct {
	Line    string
	Lang    string // ISO 639-1 code; empty is English
	Match   *Match // from Explainer.Find; nil when no rule matched
	Context Context
}

// RuleRef names the rule an answer is based on.
type RuleRef struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Severity string `json:"severity"`
}

// Answer explains a log text.
type Answer struct {
	Source   string         `json:"source"`          // "rules" or "model"
	Model    string         `json:"model,omitempty"` // the model's name when it answered
	Lang     string         `json:"lang"`            // the language of the texts
	Matched  bool           `json:"matched"`         // a rule of the library matched
	Rule     *RuleRef       `json:"rule,omitempty"`
	Meaning  string         `json:"meaning"`
	Cause    string         `json:"cause"`
	Action   string         `json:"action"`
	Context  Context        `json:"context"`
	Redacted map[string]int `json:"redacted,omitempty"` // what was removed before the model saw the text
	Warnings []string       `json:"warnings,omitempty"`
}

// Explainer answers from the library, and from a model when one is set.
type Explainer struct {
	lib       *Library
	model     *Model // nil: the library only
	redactIPs bool
}

// New is an explainer over lib; model may be nil.
func New(lib *Library, model *Model, redactIPs bool) *Explainer {
	return &Explainer{lib: lib, model: model, redactIPs: redactIPs}
}

// Find is the library's rule for line, or nil.
func (e *Explainer) Find(line string) *Match { return e.lib.Find(line) }

// MetricsFor are the metrics worth showing with m's answer.
func MetricsFor(m *Match) []string {
	if m == nil || len(m.Rule.Metrics) == 0 {
		return []string{"cpu_usage_ratio", "memory_used_ratio", "filesystem_used_ratio"}
	}
	return m.Rule.Metrics
}

// Explain answers req: the model's answer when a model is set and
// answers, the library's otherwise.
func (e *Explainer) Explain(ctx context.Context, req Request) Answer {
	lang := req.Lang
	if lang == "" {
		lang = "en"
	}
	ans := e.fromRules(req, lang)
	if e.model == nil {
		if lang != ans.Lang {
			ans.Warnings = append(ans.Warnings, fmt.Sprintf("the rule library is written in %s; set MONSYS_AI_URL to have a model answer in %q",
				strings.Join(e.lib.Languages(), ", "), lang))
		}
		return ans
	}
	modelAns, err := e.fromModel(ctx, req, lang, ans)
	if err != nil {
		ans.Warnings = append(ans.Warnings, "the model did not answer, so the rule library did: "+err.Error())
		return ans
	}
	return modelAns
}

func (e *Explainer) fromRules(req Request, lang string) Answer {
	ans := Answer{Source: "rules", Lang: "en", Context: req.Context}
	if req.Match == nil {
		ans.Meaning = "No rule of the library matches this line."
		ans.Cause = "The library knows common kernel, storage, systemd, SSH, TLS, PostgreSQL and nginx messages; this one is not among them."
		ans.Action = "Read the lines just before and after it, which often name the cause, and look at the host's charts at that time."
		return ans
	}
	txt, used := req.Match.Text(lang)
	ans.Matched, ans.Lang = true, used
	ans.Rule = &RuleRef{ID: req.Match.Rule.ID, Category: req.Match.Rule.Category, Severity: req.Match.Rule.Severity}
	ans.Meaning, ans.Cause, ans.Action = txt.Meaning, txt.Cause, txt.Action
	return ans
}

const systemPrompt = `You explain Linux server log lines to the operator of a fleet of servers.
Answer in the language with ISO 639-1 code %q. Reply with one JSON object and nothing else:
{"meaning": "what the line says", "cause": "its likely causes", "action": "what to check or do, with commands"}.
Be concrete and brief. Parts of the text were replaced by markers such as [REDACTED] or [EMAIL]; do not guess them.`

// fromModel asks the model, giving it the redacted line and context, and
// the library's answer as a hint when a rule matched.
func (e *Explainer) fromModel(ctx context.Context, req Request, lang string, rules Answer) (Answer, error) {
	ctxJSON, err := json.Marshal(req.Context)
	if err != nil {
		return Answer{}, err
	}
	line := Redact(req.Line, e.redactIPs)
	about := Redact(string(ctxJSON), e.redactIPs)
	var user strings.Builder
	fmt.Fprintf(&user, "Log line:\n%s\n\nThe agent's context (JSON):\n%s\n", line.Text, about.Text)
	if rules.Matched {
		fmt.Fprintf(&user, "\nA rule library classifies it as %q (%s, %s): %s\n", rules.Rule.ID, rules.Rule.Category, rules.Rule.Severity,
			Redact(rules.Meaning, e.redactIPs).Text)
	}
	reply, err := e.model.ask(ctx, fmt.Sprintf(systemPrompt, lang), user.String())
	if err != nil {
		return Answer{}, err
	}
	ans := Answer{Source: "model", Model: e.model.Name, Lang: lang, Matched: rules.Matched, Rule: rules.Rule, Context: req.Context}
	ans.Meaning, ans.Cause, ans.Action = parseModelReply(reply)
	ans.Redacted = line.Counts
	for k, n := range about.Counts {
		ans.Redacted[k] += n
	}
	if len(ans.Redacted) == 0 {
		ans.Redacted = nil
	}
	return ans, nil
}

// maxModelText bounds each text of a model's answer.
const maxModelText = 4 << 10

// parseModelReply reads the JSON object the model was asked for; a model
// that answered in prose has its whole answer as the meaning.
func parseModelReply(reply string) (meaning, cause, action string) {
	var v struct{ Meaning, Cause, Action string }
	if i, j := strings.Index(reply, "{"), strings.LastIndex(reply, "}"); i >= 0 && j > i {
		if json.Unmarshal([]byte(reply[i:j+1]), &v) == nil && v.Meaning != "" {
			return clip(v.Meaning), clip(v.Cause), clip(v.Action)
		}
	}
	return clip(strings.TrimSpace(reply)), "", ""
}

func clip(s string) string {
	if len(s) <= maxModelText {
		return s
	}
	s = s[:maxModelText]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
