package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Agent is one enrolled machine (GET /agents/:id).
type Agent struct {
	Raw
	ID                    string     `json:"id"`
	MachineID             string     `json:"machine_id"`
	Hostname              string     `json:"hostname"`
	OS                    string     `json:"os"`
	Arch                  string     `json:"arch"`
	AgentVersion          string     `json:"agent_version"`
	Status                string     `json:"status"` // pending, online or offline
	SigningKeyFingerprint string     `json:"signing_key_fingerprint"`
	SigningKeyPinnedAt    *time.Time `json:"signing_key_pinned_at"`
	HeartbeatIntervalS    int32      `json:"heartbeat_interval_s"`
	UptimeS               *int64     `json:"uptime_s"`
	RegisteredAt          time.Time  `json:"registered_at"`
	LastSeenAt            *time.Time `json:"last_seen_at"`
}

// AgentQuery narrows Agents. Zero fields do not filter.
type AgentQuery struct {
	Status   string // pending, online or offline
	Hostname string // matched as Match says, ignoring case
	Match    string // substring (default), prefix or exact
	OS       string // linux …
	Tag      string // a governance tag
	Limit    int    // at most this many; 0: all
}

// Agents lists the tenant's agents by hostname.
func (c *Client) Agents(ctx context.Context, aq AgentQuery) (List[Agent], error) {
	q := url.Values{}
	setIf(q, "status", aq.Status)
	setIf(q, "hostname", aq.Hostname)
	setIf(q, "match", aq.Match)
	setIf(q, "os", aq.OS)
	setIf(q, "tag", aq.Tag)
	return listAll[Agent](ctx, c, "/agents", q, aq.Limit)
}

// Agent fetches one agent by id.
func (c *Client) Agent(ctx context.Context, id string) (Agent, error) {
	var a Agent
	err := c.get(ctx, "/agents/"+url.PathEscape(id), nil, &a)
	return a, err
}

// ResetSigningKey clears the agent's pinned signing key (admin), so the
// machine may register again with a new one: the step after reinstalling
// a machine whose agent state directory was wiped.
func (c *Client) ResetSigningKey(ctx context.Context, id string) error {
	return c.send(ctx, http.MethodPost, "/agents/"+url.PathEscape(id)+"/rotate-signing-key", nil, nil, nil)
}

// AmbiguousHostError is a hostname that more than one agent reports.
type AmbiguousHostError struct {
	Hostname string
	Agents   []Agent
}

func (e *AmbiguousHostError) Error() string {
	ids := make([]string, len(e.Agents))
	for i, a := range e.Agents {
		ids[i] = a.ID
	}
	return fmt.Sprintf("%d agents are called %s; name one by id: %s", len(e.Agents), e.Hostname, strings.Join(ids, ", "))
}

// HostNotFoundError is a hostname no agent of the tenant reports.
type HostNotFoundError struct{ Host string }

func (e *HostNotFoundError) Error() string {
	return "no agent is called " + e.Host + " (hostname or id)"
}

// Is makes errors.Is(err, ErrNotFound) hold.
func (e *HostNotFoundError) Is(target error) bool { return target == ErrNotFound }

// AgentIDOf is FindAgent's id for a --host flag: "" when hostOrID is
// empty (no filter), the agent's id otherwise.
func (c *Client) AgentIDOf(ctx context.Context, hostOrID string) (string, error) {
	if hostOrID == "" {
		return "", nil
	}
	a, err := c.FindAgent(ctx, hostOrID)
	return a.ID, err
}

// FindAgent names an agent by id or by its exact hostname (ignoring case).
// A hostname two agents share is an *AmbiguousHostError; one nobody has a
// *HostNotFoundError.
func (c *Client) FindAgent(ctx context.Context, hostOrID string) (Agent, error) {
	if looksLikeID(hostOrID) {
		a, err := c.Agent(ctx, hostOrID)
		if !errors.Is(err, ErrNotFound) {
			return a, err
		}
		// A machine may be called by something shaped like an id: fall
		// through to the hostname.
	}
	l, err := c.Agents(ctx, AgentQuery{Hostname: hostOrID, Match: "exact", Limit: 10})
	switch {
	case err != nil:
		return Agent{}, err
	case len(l.Items) == 0:
		return Agent{}, &HostNotFoundError{Host: hostOrID}
	case len(l.Items) > 1:
		return Agent{}, &AmbiguousHostError{Hostname: hostOrID, Agents: l.Items}
	}
	return l.Items[0], nil
}

// Hostnames lists up to limit hostnames that start with prefix, for shell
// completion.
func (c *Client) Hostnames(ctx context.Context, prefix string, limit int) ([]string, error) {
	l, err := c.Agents(ctx, AgentQuery{Hostname: prefix, Match: "prefix", Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(l.Items))
	for _, a := range l.Items {
		if len(out) == 0 || out[len(out)-1] != a.Hostname {
			out = append(out, a.Hostname)
		}
	}
	return out, nil
}

// looksLikeID reports whether s has the shape of a UUID.
func looksLikeID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if s[i] != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])):
			return false
		}
	}
	return true
}

// Governance is an agent's governance record (GET /agents/:id/governance).
type Governance struct {
	Raw
	Owner              string              `json:"owner"`
	Environment        string              `json:"environment"`
	Criticality        string              `json:"criticality"`
	DataClassification string              `json:"data_classification"`
	Tags               []string            `json:"tags"`
	MaintenanceWindows []MaintenanceWindow `json:"maintenance_windows"`
}

// MaintenanceWindow is weekly (days, start, end, time zone) or once
// (starts_at, ends_at).
type MaintenanceWindow struct {
	Type     string     `json:"type"`
	Days     []string   `json:"days,omitempty"`
	Start    string     `json:"start,omitempty"`
	End      string     `json:"end,omitempty"`
	TimeZone string     `json:"time_zone,omitempty"`
	StartsAt *time.Time `json:"starts_at,omitempty"`
	EndsAt   *time.Time `json:"ends_at,omitempty"`
	Comment  string     `json:"comment,omitempty"`
}

// Governance fetches an agent's governance record.
func (c *Client) Governance(ctx context.Context, agentID string) (Governance, error) {
	var g Governance
	err := c.get(ctx, "/agents/"+url.PathEscape(agentID)+"/governance", nil, &g)
	return g, err
}
