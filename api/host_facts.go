package api

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// hostReply is what an agent's host inventory says about the machine.
type hostReply struct {
	OSName         string     `json:"os_name"`    // debian, ubuntu, rhel, alpine …
	OSVersion      string     `json:"os_version"` // 12.7
	Kernel         string     `json:"kernel"`
	Arch           string     `json:"arch"`
	CPUModel       string     `json:"cpu_model"`
	CPUCores       int        `json:"cpu_cores"` // logical CPUs
	MemoryBytes    uint64     `json:"memory_bytes"`
	Virtualization string     `json:"virtualization,omitempty"` // kvm, docker …; empty on bare metal or unknown
	Addresses      []string   `json:"addresses,omitempty"`      // primary IP addresses
	BootedAt       *time.Time `json:"booted_at,omitempty"`
	CollectedAt    time.Time  `json:"collected_at"`
}

func toHostReply(f store.HostFacts) *hostReply {
	var h wire.HostInfo
	if len(f.Info) == 0 || json.Unmarshal(f.Info, &h) != nil {
		return nil // stored by the ingest decoder, so well-formed; an empty object has no facts either
	}
	out := &hostReply{OSName: h.Platform, OSVersion: h.PlatformVersion, Kernel: h.KernelVersion, Arch: h.Arch,
		CPUModel: h.CPUModel, CPUCores: h.CPUCores, MemoryBytes: h.MemoryBytes, Virtualization: h.Virtualization, Addresses: h.Addresses,
		CollectedAt: utc(f.CollectedAt)}
	if h.BootTime > 0 {
		b := time.Unix(h.BootTime, 0).UTC()
		out.BootedAt = &b
	}
	return out
}

// withHostFacts adds each agent's host facts and pending update counts to
// its reply.
func (s *Server) withHostFacts(ctx context.Context, tenantID uuid.UUID, replies []agentReply) error {
	ids := make([]uuid.UUID, len(replies))
	for i, r := range replies {
		ids[i] = r.ID
	}
	facts, err := s.store.HostFacts(ctx, tenantID, ids)
	if err != nil {
		return err
	}
	counts, err := s.store.PendingUpdateCounts(ctx, tenantID, ids)
	if err != nil {
		return err
	}
	for i := range replies {
		if f, ok := facts[replies[i].ID]; ok {
			replies[i].Host = toHostReply(f)
		}
		if n, ok := counts[replies[i].ID]; ok {
			replies[i].Updates, replies[i].SecurityUpdates = &n.Updates, &n.Security
		}
	}
	return nil
}

// hostInventoryReply is GET /agents/:id/inventory/host.
type hostInventoryReply struct {
	AgentID     uuid.UUID  `json:"agent_id"`
	Kind        string     `json:"kind"`
	CollectedAt *time.Time `json:"collected_at"` // null: the agent never sent it
	Error       string     `json:"error,omitempty"`
	Host        *hostReply `json:"host"`
}

func (s *Server) hostInventory(c *fiber.Ctx) error {
	p := principalOf(c)
	a, err := s.pathAgent(c)
	if err != nil {
		return err
	}
	id := a.ID
	facts, err := s.store.HostFacts(c.UserContext(), p.TenantID, []uuid.UUID{id})
	if err != nil {
		return err
	}
	out := hostInventoryReply{AgentID: id, Kind: wire.KindHost}
	if f, ok := facts[id]; ok {
		at := utc(f.CollectedAt)
		out.CollectedAt, out.Error, out.Host = &at, f.Error, toHostReply(f)
	}
	return c.JSON(out)
}
