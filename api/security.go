package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// securityReply is the security overview. Each section is an object of
// its own so that more can be added beside it without changing the shape
// of the ones there.
type securityReply struct {
	SilentAgents silentSection    `json:"silent_agents"`
	Integrity    integritySection `json:"integrity"`
	Decoys       decoySection     `json:"decoys"`
}

// decoySection is what the agents' honeypots and canary files saw in the
// last 7 days: addresses counted across the fleet (a scanner touching many
// hosts is one source) and the latest events.
type decoySection struct {
	Since   time.Time          `json:"since"`
	Events  int                `json:"events"`
	Sources []decoySourceReply `json:"sources"` // most hosts touched first, at most 50
	Recent  []decoyEventReply  `json:"recent"`  // newest first, at most 50
}

type decoySourceReply struct {
	SourceIP  string    `json:"source_ip"`
	Events    int       `json:"events"`
	Agents    int       `json:"agents"`
	Ports     []int32   `json:"ports"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

type decoyEventReply struct {
	AgentID    uuid.UUID `json:"agent_id"`
	Hostname   string    `json:"hostname"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	Proto      string    `json:"proto,omitempty"`
	Port       int32     `json:"port,omitempty"`
	SourceIP   string    `json:"source_ip,omitempty"`
	SourcePort int32     `json:"source_port,omitempty"`
	FirstBytes string    `json:"first_bytes,omitempty"`
	Path       string    `json:"path,omitempty"`
	Access     string    `json:"access,omitempty"`
}

// decoyWindow is how far back /security looks at decoy events.
const (
	decoyWindow = 7 * 24 * time.Hour
	decoyListed = 50
)

// integritySection counts the unresolved integrity anomalies (signature
// misuse, downgrades, unknown binaries, cloned or changed machine DNA);
// admins list them at /integrity-anomalies.
type integritySection struct {
	Open   int            `json:"open"`
	ByKind map[string]int `json:"by_kind"`
}

type silentSection struct {
	Count int                `json:"count"` // all silent agents, even past the list's limit
	Items []silentAgentReply `json:"items"` // longest silent first, at most 500
}

type silentAgentReply struct {
	AgentID            uuid.UUID `json:"agent_id"`
	Hostname           string    `json:"hostname"`
	LastSeenAt         time.Time `json:"last_seen_at"`
	SilentSince        time.Time `json:"silent_since"` // when the hub flagged it
	HeartbeatIntervalS int32     `json:"heartbeat_interval_s"`
	AlertID            uuid.UUID `json:"alert_id"`
}

const maxSilentListed = 500

func (s *Server) security(c *fiber.Ctx) error {
	p := principalOf(c)
	silent, count, err := s.store.SilentAgents(c.UserContext(), p.TenantID, maxSilentListed)
	if err != nil {
		return err
	}
	byKind, err := s.store.OpenAnomalyCounts(c.UserContext(), p.TenantID)
	if err != nil {
		return err
	}
	out := securityReply{SilentAgents: silentSection{Count: count, Items: make([]silentAgentReply, 0, len(silent))},
		Integrity: integritySection{ByKind: byKind}}
	for _, n := range byKind {
		out.Integrity.Open += n
	}
	if out.Decoys, err = s.decoys(c.UserContext(), p.TenantID); err != nil {
		return err
	}
	for _, a := range silent {
		out.SilentAgents.Items = append(out.SilentAgents.Items, silentAgentReply{AgentID: a.AgentID, Hostname: a.Hostname,
			LastSeenAt: utc(a.LastSeenAt), SilentSince: utc(a.SilentSince), HeartbeatIntervalS: a.HeartbeatIntervalS, AlertID: a.AlertID})
	}
	return c.JSON(out)
}

func (s *Server) decoys(ctx context.Context, tenantID uuid.UUID) (decoySection, error) {
	since := time.Now().Add(-decoyWindow).UTC()
	out := decoySection{Since: since, Sources: []decoySourceReply{}, Recent: []decoyEventReply{}}
	sources, err := s.store.SecuritySources(ctx, tenantID, since, decoyListed)
	if err != nil {
		return out, err
	}
	for _, src := range sources {
		out.Sources = append(out.Sources, decoySourceReply{SourceIP: src.SourceIP, Events: src.Events, Agents: src.Agents,
			Ports: src.Ports, FirstSeen: utc(src.FirstSeen), LastSeen: utc(src.LastSeen)})
	}
	events, n, err := s.store.RecentSecurityEvents(ctx, tenantID, since, decoyListed)
	if err != nil {
		return out, err
	}
	out.Events = n
	for _, e := range events {
		out.Recent = append(out.Recent, decoyEventReply{AgentID: e.AgentID, Hostname: e.Hostname, Kind: e.Kind, At: utc(e.OccurredAt),
			Proto: e.Proto, Port: e.Port, SourceIP: e.SourceIP, SourcePort: e.SourcePort, FirstBytes: e.FirstBytes, Path: e.Path, Access: e.Access})
	}
	return out, nil
}
