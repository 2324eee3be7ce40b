package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/fleet"
	"github.com/monsys/monsys/store"
)

// FleetOverview answers GET /fleet; *fleet.Service is the real one.
type FleetOverview interface {
	Overview(ctx context.Context, tenantID uuid.UUID, req fleet.Request) (*fleet.Overview, error)
}

type fleetItemReply struct {
	ID           uuid.UUID  `json:"id"`
	Hostname     string     `json:"hostname"`
	Status       string     `json:"status"`
	LastSeenAt   *time.Time `json:"last_seen_at,omitempty"`
	OS           string     `json:"os"`
	Arch         string     `json:"arch"`
	AgentVersion string     `json:"agent_version"`
	Environment  string     `json:"environment,omitempty"`
	Tags         []string   `json:"tags"`
	CPURatio     *float64   `json:"cpu_ratio"`     // share of CPU time not idle, latest
	MemoryRatio  *float64   `json:"memory_ratio"`  // share of memory not available, latest
	DiskRatio    *float64   `json:"disk_ratio"`    // the fullest filesystem's used share, latest
	CPULastHour  pointList  `json:"cpu_last_hour"` // [[unix_ms, ratio], …] at 2-minute steps
}

type fleetReply struct {
	Items      []fleetItemReply `json:"items"`
	Total      int              `json:"total"`
	Offset     int              `json:"offset"` // position of the first item in the filtered, sorted fleet
	Counts     map[string]int   `json:"counts"`
	Sort       string           `json:"sort"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

// fleetCursor is the offset of the next page in the sorted fleet.
type fleetCursor struct {
	Offset int    `json:"o"`
	Sort   string `json:"s"`
}

func fleetQuery() []queryParam {
	return []queryParam{{"q", "case-insensitive substring of the hostname"}, {"status", "pending, online or offline"},
		{"environment", "governance environment"}, {"tag", "a governance tag"},
		{"sort", "hostname, status, last_seen, os, cpu, memory or disk; -column for descending"},
		{"limit", "page size, 1 to 500 (default 50)"}, {"cursor", "next_cursor of the previous page"}}
}

// fleetOverview answers the fleet page: agents with their latest CPU,
// memory and disk use and an hour of CPU, filtered, sorted and paged.
func (s *Server) fleetOverview(c *fiber.Ctx) error {
	p := principalOf(c)
	req := fleet.Request{Status: c.Query("status"), FleetFilter: store.FleetFilter{
		Hostname: c.Query("q"), Environment: c.Query("environment"), Tag: c.Query("tag")}}
	switch req.Status {
	case "", store.StatusPending, store.StatusOnline, store.StatusOffline:
	default:
		return badRequest("status must be pending, online or offline")
	}
	if len(req.Hostname) > 255 || len(req.Environment) > 64 || len(req.Tag) > 64 {
		return badRequest("q is at most 255 characters, environment and tag at most 64")
	}
	var err error
	if req.Sort, err = fleet.ParseSort(c.Query("sort")); err != nil {
		return invalid([]FieldError{{Field: "sort", Message: err.Error()}})
	}
	if req.Limit, err = pageLimit(c); err != nil {
		return err
	}
	if raw := c.Query("cursor"); raw != "" {
		var cur fleetCursor
		if err := decodeCursor(raw, &cur); err != nil {
			return err
		}
		if cur.Offset < 0 || cur.Sort != req.Sort.String() {
			return badRequest("cursor belongs to another order of the fleet; start from the first page")
		}
		req.Offset = cur.Offset
	}
	ov, err := s.fleet.Overview(c.UserContext(), p.TenantID, req)
	if err != nil {
		return err
	}
	out := fleetReply{Items: make([]fleetItemReply, 0, len(ov.Items)), Total: ov.Total, Counts: ov.Counts, Sort: req.Sort.String(),
		Offset: req.Offset}
	for _, it := range ov.Items {
		out.Items = append(out.Items, toFleetItem(it))
	}
	if ov.Next > 0 {
		out.NextCursor = encodeCursor(fleetCursor{Offset: ov.Next, Sort: req.Sort.String()})
	}
	return c.JSON(out)
}

func toFleetItem(it fleet.Item) fleetItemReply {
	spark := make(pointList, len(it.CPUSpark))
	for i, pt := range it.CPUSpark {
		spark[i] = [2]float64{float64(pt.TimeMs), pt.Value}
	}
	return fleetItemReply{ID: it.ID, Hostname: it.Hostname, Status: it.Status, LastSeenAt: utcPtr(it.LastSeenAt),
		OS: it.OS, Arch: it.Arch, AgentVersion: it.AgentVersion, Environment: it.Environment, Tags: it.Tags,
		CPURatio: it.CPU, MemoryRatio: it.Memory, DiskRatio: it.Disk, CPULastHour: spark}
}

// noFleet stands in when the server was built without a fleet service.
type noFleet struct{}

func (noFleet) Overview(context.Context, uuid.UUID, fleet.Request) (*fleet.Overview, error) {
	return nil, newProblem(fiber.StatusServiceUnavailable, "unavailable", "the fleet overview is not available on this server")
}
