package notify

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/textcheck"
)

// Channel is a place a tenant's alerts are sent to. Its target is never
// part of it: Shown is the target's scheme and host.
type Channel struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	Name        string
	Kind        string
	Shown       string
	Routing     Routing
	Quiet       QuietHours
	GroupWindow time.Duration
	Enabled     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Routing chooses the alert events a channel gets; an empty list matches
// all.
type Routing struct {
	Severities   []string `json:"severities"`   // info, warning, critical
	Sources      []string `json:"sources"`      // agent, rule, system
	Tags         []string `json:"tags"`         // the agent's governance tags, any of
	Environments []string `json:"environments"` // the agent's governance environment
}

// DefaultGroupWindow is how long a channel's first waiting event waits
// for others to join its message.
const DefaultGroupWindow = 30 * time.Second

// MaxGroupWindow bounds a channel's grouping window.
const MaxGroupWindow = time.Hour

// Input is a channel as a person sets it. Target is a shoutrrr URL or
// mailto:addresses.
type Input struct {
	Name        string
	Target      string
	Routing     Routing
	Quiet       QuietHours
	GroupWindow time.Duration
	Enabled     bool
}

// Patch changes some of a channel's settings; nil fields stay.
type Patch struct {
	Name        *string
	Target      *string
	Routing     *Routing
	Quiet       *QuietHours
	GroupWindow *time.Duration
	Enabled     *bool
}

// FieldError is a refused setting, named by its JSON field.
type FieldError struct {
	Field string
	Msg   string
}

// FieldErrors are every refused setting of one request.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	if len(fe) == 0 {
		return "invalid channel"
	}
	return fmt.Sprintf("invalid channel: %s: %s", fe[0].Field, fe[0].Msg)
}

// ErrNotFound: no such channel in the tenant.
var ErrNotFound = errors.New("notification channel not found")

var (
	severities = []string{"info", "warning", "critical"}
	sources    = []string{"agent", "rule", "system"}
)

// check validates in's settings other than the target.
func (in Input) check() FieldErrors {
	var errs FieldErrors
	add := func(f, m string) { errs = append(errs, FieldError{f, m}) }
	if in.Name == "" || len(in.Name) > 200 {
		add("name", "1 to 200 bytes")
	} else if p := textcheck.String(in.Name); p != "" {
		add("name", string(p))
	}
	for _, s := range in.Routing.Severities {
		if !slices.Contains(severities, s) {
			add("routing.severities", fmt.Sprintf("%q: want info, warning or critical", s))
		}
	}
	for _, s := range in.Routing.Sources {
		if !slices.Contains(sources, s) {
			add("routing.sources", fmt.Sprintf("%q: want agent, rule or system", s))
		}
	}
	for f, l := range map[string][]string{"routing.tags": in.Routing.Tags, "routing.environments": in.Routing.Environments} {
		if len(l) > 50 {
			add(f, "at most 50")
		}
		for _, s := range l {
			if s == "" || len(s) > 100 || textcheck.String(s) != "" {
				add(f, "each 1 to 100 bytes of text")
				break
			}
		}
	}
	if f, err := in.Quiet.validate(); err != nil {
		add(f, err.Error())
	}
	if in.GroupWindow < 0 || in.GroupWindow > MaxGroupWindow || in.GroupWindow%time.Second != 0 {
		add("group_window_s", "whole seconds, 0 to 3600")
	}
	return errs
}

// apply returns in with p's fields over it.
func (in Input) apply(p Patch) Input {
	if p.Name != nil {
		in.Name = *p.Name
	}
	if p.Target != nil {
		in.Target = *p.Target
	}
	if p.Routing != nil {
		in.Routing = *p.Routing
	}
	if p.Quiet != nil {
		in.Quiet = *p.Quiet
	}
	if p.GroupWindow != nil {
		in.GroupWindow = *p.GroupWindow
	}
	if p.Enabled != nil {
		in.Enabled = *p.Enabled
	}
	return in
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
