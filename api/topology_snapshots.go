package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/topology"
)

type snapshotRequest struct {
	Name string `json:"name"`
}

type snapshotReply struct {
	ID      uuid.UUID     `json:"id"`
	Name    string        `json:"name"`
	TakenAt time.Time     `json:"taken_at"`
	Map     *topology.Map `json:"map,omitempty"` // in the answer to POST only
}

func (s *Server) createSnapshot(c *fiber.Ctx) error {
	var req snapshotRequest
	if err := s.decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	if req.Name = strings.TrimSpace(req.Name); len(req.Name) > 200 {
		return invalid([]FieldError{{Field: "name", Message: "at most 200 bytes"}})
	}
	p := principalOf(c)
	m, err := s.liveMap(c.UserContext(), p.TenantID)
	if err != nil {
		return err
	}
	content, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode map: %w", err)
	}
	snap, err := s.store.CreateSnapshot(c.UserContext(), p.TenantID, req.Name, content, s.auditEvent(c, "topology_snapshot_created"))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(snapshotReply{ID: snap.ID, Name: snap.Name, TakenAt: utc(snap.TakenAt), Map: &m})
}

func (s *Server) listSnapshots(c *fiber.Ctx) error {
	limit, before, err := idPage(c)
	if err != nil {
		return err
	}
	snaps, err := s.store.Snapshots(c.UserContext(), principalOf(c).TenantID, before, limit)
	if err != nil {
		return err
	}
	return c.JSON(newPage(snaps, limit, func(sn store.Snapshot) snapshotReply {
		return snapshotReply{ID: sn.ID, Name: sn.Name, TakenAt: utc(sn.TakenAt)}
	}, func(sn store.Snapshot) any { return sn.ID }))
}

type snapshotDiffReply struct {
	Snapshot uuid.UUID `json:"snapshot"`
	Against  string    `json:"against"` // a snapshot id, or "live"
	topology.Diff
}

// snapshotDiff answers what changed from ?against= (another snapshot, or
// the live map when absent or "live") to the snapshot.
func (s *Server) snapshotDiff(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	tenant := principalOf(c).TenantID
	after, err := s.snapshotMap(c, tenant, id)
	if err != nil {
		return err
	}
	against := c.Query("against", "live")
	var before topology.Map
	if against == "live" {
		before, err = s.liveMap(c.UserContext(), tenant)
	} else {
		other, perr := uuid.Parse(against)
		if perr != nil {
			return badRequest("against must be a snapshot id or live")
		}
		before, err = s.snapshotMap(c, tenant, other)
	}
	if err != nil {
		return err
	}
	return c.JSON(snapshotDiffReply{Snapshot: id, Against: against, Diff: topology.Compare(before, after)})
}

func (s *Server) snapshotMap(c *fiber.Ctx, tenant, id uuid.UUID) (topology.Map, error) {
	snap, err := s.store.SnapshotByID(c.UserContext(), tenant, id)
	if err != nil {
		return topology.Map{}, err
	}
	var m topology.Map
	if err := json.Unmarshal(snap.Content, &m); err != nil {
		return m, fmt.Errorf("decode snapshot %s: %w", id, err)
	}
	return m, nil
}
