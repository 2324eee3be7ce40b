package api

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/wire"
)

type processesReply struct {
	AgentID     uuid.UUID      `json:"agent_id"`
	CollectedAt *time.Time     `json:"collected_at"` // null: the agent never sent processes
	Error       string         `json:"error,omitempty"`
	Sort        string         `json:"sort"` // cpu or memory
	Items       []wire.Process `json:"items"`
}

func processesQuery() []queryParam {
	return []queryParam{{"sort", "cpu (default) or memory, highest first"},
		{"user", "only processes of this user"}, {"q", "case-insensitive substring of the name or command line"},
		{"limit", "1 to 500 (default 50)"}}
}

// agentProcesses answers the agent's latest top-process list (kept
// latest-only: it arrives with every interval). The list is as short as
// the agent sends it, so it is one page.
func (s *Server) agentProcesses(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	by := c.Query("sort", "cpu")
	if by != "cpu" && by != "memory" {
		return badRequest("sort must be cpu or memory")
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	user, q := c.Query("user"), strings.ToLower(c.Query("q"))
	latest, err := s.store.LatestProcesses(c.UserContext(), p.TenantID, id)
	if err != nil {
		return err
	}
	out := processesReply{AgentID: id, Error: latest.Error, Sort: by, Items: []wire.Process{}}
	if latest.CollectedAt.IsZero() {
		return c.JSON(out)
	}
	at := latest.CollectedAt.UTC()
	out.CollectedAt = &at
	var raw []json.RawMessage
	_ = json.Unmarshal(latest.Items, &raw) // not an array: no processes
	for _, r := range raw {
		var pr wire.Process
		if json.Unmarshal(r, &pr) != nil {
			continue // an item of another shape is not a process
		}
		if (user != "" && pr.User != user) ||
			(q != "" && !strings.Contains(strings.ToLower(pr.Name), q) && !strings.Contains(strings.ToLower(pr.Cmdline), q)) {
			continue
		}
		out.Items = append(out.Items, pr)
	}
	sort.SliceStable(out.Items, func(i, j int) bool {
		a, b := out.Items[i], out.Items[j]
		if by == "memory" {
			return a.RSSBytes > b.RSSBytes
		}
		return a.CPURatio > b.CPURatio
	})
	out.Items = out.Items[:min(len(out.Items), limit)]
	return c.JSON(out)
}
