package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// securityReply is the security overview. Each section is an object of
// its own so that more (honeypots, agent DNA) can be added beside it
// without changing the shape of the ones there.
type securityReply struct {
	SilentAgents silentSection    `json:"silent_agents"`
	Integrity    integritySection `json:"integrity"`
}

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
	for _, a := range silent {
		out.SilentAgents.Items = append(out.SilentAgents.Items, silentAgentReply{AgentID: a.AgentID, Hostname: a.Hostname,
			LastSeenAt: utc(a.LastSeenAt), SilentSince: utc(a.SilentSince), HeartbeatIntervalS: a.HeartbeatIntervalS, AlertID: a.AlertID})
	}
	return c.JSON(out)
}
