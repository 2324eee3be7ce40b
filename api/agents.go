package api

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/governance"
	"github.com/monsys/monsys/store"
)

type agentReply struct {
	ID                    uuid.UUID  `json:"id"`
	MachineID             string     `json:"machine_id"`
	Hostname              string     `json:"hostname"`
	OS                    string     `json:"os"`
	Arch                  string     `json:"arch"`
	AgentVersion          string     `json:"agent_version"`
	Status                string     `json:"status"` // pending, online or offline
	SigningKeyFingerprint string     `json:"signing_key_fingerprint,omitempty"`
	SigningKeyPinnedAt    *time.Time `json:"signing_key_pinned_at,omitempty"`
	HeartbeatIntervalS    int32      `json:"heartbeat_interval_s"`
	UptimeS               *int64     `json:"uptime_s,omitempty"`
	RegisteredAt          time.Time  `json:"registered_at"`
	LastSeenAt            *time.Time `json:"last_seen_at,omitempty"`
	// Host is what the agent's latest host inventory says about the
	// machine; absent until it sent one.
	Host *hostReply `json:"host,omitempty"`
	// Updates and SecurityUpdates count the installed packages its
	// repositories offer newer (GET /agents/:id/updates); absent until the
	// agent reported them.
	Updates         *int `json:"updates,omitempty"`
	SecurityUpdates *int `json:"security_updates,omitempty"`
}

func toAgentReply(a store.Agent) agentReply {
	return agentReply{ID: a.ID, MachineID: a.MachineID, Hostname: a.Hostname, OS: a.OS, Arch: a.Arch,
		AgentVersion: a.AgentVersion, Status: a.Status, SigningKeyFingerprint: keyFingerprint(a.SigningPubkey),
		SigningKeyPinnedAt: utcPtr(a.SigningKeyPinnedAt), HeartbeatIntervalS: a.HeartbeatIntervalS,
		UptimeS: a.UptimeS, RegisteredAt: utc(a.RegisteredAt), LastSeenAt: utcPtr(a.LastSeenAt)}
}

// keyFingerprint is SHA256:<base64> of a public key, as ssh-keygen shows
// fingerprints.
func keyFingerprint(pub []byte) string {
	if len(pub) == 0 {
		return ""
	}
	sum := sha256.Sum256(pub)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

func (s *Server) listAgents(c *fiber.Ctx) error {
	p := principalOf(c)
	f := store.AgentFilter{Status: c.Query("status"), Hostname: c.Query("hostname"), OS: c.Query("os"), Tag: c.Query("tag"),
		Environment: c.Query("environment")}
	switch f.Status {
	case "", store.StatusPending, store.StatusOnline, store.StatusOffline:
	default:
		return badRequest("status must be pending, online or offline")
	}
	if len(f.Hostname) > 255 {
		return badRequest("hostname filter is longer than a hostname can be")
	}
	switch c.Query("match", "substring") {
	case "substring":
	case "prefix":
		f.HostMatch = store.HostnamePrefix
	case "exact":
		f.HostMatch = store.HostnameExact
	default:
		return badRequest("match must be substring, prefix or exact")
	}
	if len(f.OS) > 64 || len(f.Tag) > 63 {
		return badRequest("os is at most 64 bytes and tag at most 63")
	}
	if f.Environment != "" && !slices.Contains(governance.Environments, f.Environment) {
		return badRequest("environment must be one of " + strings.Join(governance.Environments, ", "))
	}
	var err error
	if f.Limit, err = pageLimit(c); err != nil {
		return err
	}
	if raw := c.Query("cursor"); raw != "" {
		f.After = &store.AgentCursor{}
		if err := decodeCursor(raw, f.After); err != nil {
			return err
		}
	}
	agents, err := s.store.Agents(c.UserContext(), p.TenantID, f)
	if err != nil {
		return err
	}
	out := newPage(agents, f.Limit, toAgentReply, func(a store.Agent) any {
		return store.AgentCursor{Hostname: a.Hostname, ID: a.ID}
	})
	if err := s.withHostFacts(c.UserContext(), p.TenantID, out.Items); err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) getAgent(c *fiber.Ctx) error {
	p := principalOf(c)
	a, err := s.pathAgent(c)
	if err != nil {
		return err
	}
	out := []agentReply{toAgentReply(a)}
	if err := s.withHostFacts(c.UserContext(), p.TenantID, out); err != nil {
		return err
	}
	return c.JSON(out[0])
}

// deleteAgent retires the agent (see store.DeleteAgent for what is kept).
func (s *Server) deleteAgent(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteAgent(c.UserContext(), p.TenantID, id, s.auditEvent(c, "agent_deleted")); err != nil {
		return err
	}
	s.agentTokens.forget(id)
	return c.SendStatus(http.StatusNoContent)
}

// pathAgent is the caller's tenant's agent that the path's :id names;
// another tenant's agent answers 404 like one that does not exist.
func (s *Server) pathAgent(c *fiber.Ctx) (store.Agent, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return store.Agent{}, err
	}
	return s.store.Agent(c.UserContext(), principalOf(c).TenantID, id)
}
