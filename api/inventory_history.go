package api

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

type itemChangeReply struct {
	Key    string          `json:"key"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

type inventoryChangeReply struct {
	SnapshotID  int64             `json:"snapshot_id"`
	Kind        string            `json:"kind"`
	CollectedAt time.Time         `json:"collected_at"`
	PreviousAt  time.Time         `json:"previous_at"`
	Added       []json.RawMessage `json:"added"`
	Removed     []json.RawMessage `json:"removed"`
	Changed     []itemChangeReply `json:"changed"`
}

func changesQuery() []queryParam {
	return []queryParam{{"kind", "one inventory kind (packages, systemd, users, ssh_keys, containers …); default every kind"},
		{"since", "RFC 3339, Unix seconds or milliseconds, or now-<duration> (default now-7d)"},
		{"limit", "snapshots per page, 1 to 500 (default 50)"}, {"cursor", "next_cursor of the previous page"}}
}

// knownKind reports whether k is an inventory kind of the wire contract.
func knownKind(k string) bool {
	switch k {
	case wire.KindHost, wire.KindPackages, wire.KindSystemd, wire.KindUsers, wire.KindGroups, wire.KindSudo,
		wire.KindSSHKeys, wire.KindContainers, wire.KindSockets, wire.KindBackups:
		return true
	}
	return false
}

func (s *Server) inventoryChanges(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := store.ChangeFilter{Kind: c.Query("kind")}
	if f.Kind != "" && !knownKind(f.Kind) {
		return badRequest("kind must be an inventory kind with history: host, packages, systemd, users, groups, sudo, ssh_keys, containers, sockets or backups")
	}
	if f.Since, err = query.ParseTime("since", c.Query("since", "now-7d"), time.Now()); err != nil {
		return badRequest(err.Error())
	}
	if f.Limit, err = pageLimit(c); err != nil {
		return err
	}
	if raw := c.Query("cursor"); raw != "" {
		f.After = &store.ChangeCursor{}
		if err := decodeCursor(raw, f.After); err != nil {
			return err
		}
	}
	changes, err := s.store.InventoryChanges(c.UserContext(), p.TenantID, id, f)
	if err != nil {
		return err
	}
	return c.JSON(newPage(changes, f.Limit, toChangeReply, func(ch store.InventoryChange) any {
		return store.ChangeCursor{At: ch.CollectedAt, ID: ch.SnapshotID}
	}))
}

func toChangeReply(ch store.InventoryChange) inventoryChangeReply {
	out := inventoryChangeReply{SnapshotID: ch.SnapshotID, Kind: ch.Kind, CollectedAt: utc(ch.CollectedAt),
		PreviousAt: utc(ch.PreviousAt), Added: ch.Added, Removed: ch.Removed, Changed: make([]itemChangeReply, 0, len(ch.Changed))}
	for _, it := range ch.Changed {
		out.Changed = append(out.Changed, itemChangeReply(it))
	}
	return out
}

type searchHitReply struct {
	AgentID     uuid.UUID       `json:"agent_id"`
	Hostname    string          `json:"hostname"`
	Kind        string          `json:"kind"`
	Name        string          `json:"name"`
	Version     string          `json:"version,omitempty"`
	Item        json.RawMessage `json:"item"`
	CollectedAt time.Time       `json:"collected_at"`
}

func searchQuery() []queryParam {
	return []queryParam{{"kind", "inventory kind (default packages)"},
		{"name", "the name to find (package, unit, user, group, container name; key fingerprint for ssh_keys; principal for sudo; port for sockets)"},
		{"match", "exact (default) or prefix"}, {"version", "only this exact version (packages; image for containers)"},
		{"limit", "1 to 500 (default 50)"}, {"cursor", "next_cursor of the previous page"}}
}

// searchInventory answers "where is this package/key/user?" across the
// tenant's agents from their latest inventories.
func (s *Server) searchInventory(c *fiber.Ctx) error {
	p := principalOf(c)
	q := store.SearchQuery{Kind: c.Query("kind", wire.KindPackages), Name: c.Query("name"), Version: c.Query("version")}
	if !knownKind(q.Kind) {
		return badRequest("kind must be an inventory kind: host, packages, systemd, users, groups, sudo, ssh_keys, containers, sockets or backups")
	}
	if q.Name == "" || len(q.Name) > 512 || len(q.Version) > 512 {
		return badRequest("name is required, at most 512 bytes (version too)")
	}
	switch c.Query("match", "exact") {
	case "exact":
	case "prefix":
		q.Prefix = true
	default:
		return badRequest("match must be exact or prefix")
	}
	var err error
	if q.Limit, err = pageLimit(c); err != nil {
		return err
	}
	if raw := c.Query("cursor"); raw != "" {
		q.After = &store.SearchCursor{}
		if err := decodeCursor(raw, q.After); err != nil {
			return err
		}
	}
	hits, err := s.store.SearchInventory(c.UserContext(), p.TenantID, q)
	if err != nil {
		return err
	}
	return c.JSON(newPage(hits, q.Limit, func(h store.SearchHit) searchHitReply {
		return searchHitReply{AgentID: h.AgentID, Hostname: h.Hostname, Kind: h.Kind, Name: h.Name, Version: h.Version,
			Item: h.Item, CollectedAt: utc(h.CollectedAt)}
	}, func(h store.SearchHit) any {
		return store.SearchCursor{Name: h.Name, Version: h.Version, AgentID: h.AgentID, Key: h.Key}
	}))
}
