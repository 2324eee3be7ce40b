package api

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

type inventoryKindReply struct {
	Kind        string    `json:"kind"`
	CollectedAt time.Time `json:"collected_at"`
	SeenAt      time.Time `json:"seen_at"` // last time the agent sent this kind, changed or not
	Error       string    `json:"error,omitempty"`
	Items       int       `json:"items"`
}

type inventoryReply struct {
	AgentID uuid.UUID            `json:"agent_id"`
	Kinds   []inventoryKindReply `json:"kinds"`
}

func (s *Server) agentInventory(c *fiber.Ctx) error {
	p := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	kinds, err := s.store.InventoryKinds(c.UserContext(), p.TenantID, id)
	if err != nil {
		return err
	}
	out := inventoryReply{AgentID: id, Kinds: make([]inventoryKindReply, 0, len(kinds))}
	for _, k := range kinds {
		out.Kinds = append(out.Kinds, inventoryKindReply{Kind: k.Kind, CollectedAt: utc(k.CollectedAt),
			SeenAt: utc(k.SeenAt), Error: k.Error, Items: k.Items})
	}
	return c.JSON(out)
}

// inventoryPage is one page of an agent's latest items of one kind.
type inventoryPage[T any] struct {
	AgentID     uuid.UUID  `json:"agent_id"`
	Kind        string     `json:"kind"`
	CollectedAt *time.Time `json:"collected_at"` // null: the agent never sent this kind
	Error       string     `json:"error,omitempty"`
	Items       []T        `json:"items"`
	NextCursor  string     `json:"next_cursor,omitempty"`
}

// itemFilter is a query parameter that filters items on one field by
// equality; typ is "string", "bool" or "int".
type itemFilter struct {
	Name, Typ, Description string
}

// inventoryKinds are the per-kind routes: path segment, wire kind and the
// fields each can be filtered on.
var inventoryKinds = []struct {
	Segment, Kind string
	Filters       []itemFilter
}{
	{"packages", wire.KindPackages, []itemFilter{{"manager", "string", "dpkg, rpm or apk"}, {"arch", "string", "architecture"}, {"version", "string", "exact version"}}},
	{"containers", wire.KindContainers, []itemFilter{{"state", "string", "running, exited …"}, {"image", "string", "exact image"}}},
	{"systemd", wire.KindSystemd, []itemFilter{{"active_state", "string", "active, inactive, failed"}, {"load_state", "string", "loaded, not-found, masked"}, {"sub_state", "string", "running, exited, dead"}, {"enabled", "string", "enabled, disabled …"}}},
	{"users", wire.KindUsers, []itemFilter{{"system", "bool", "true: system accounts only; false: people"}, {"locked", "bool", "true or false"}, {"shell", "string", "exact login shell"}}},
	{"groups", wire.KindGroups, nil},
	{"sudo", wire.KindSudo, []itemFilter{{"nopasswd", "bool", "true: rules that need no password"}, {"run_as", "string", "exact run-as spec"}}},
	{"ssh-keys", wire.KindSSHKeys, []itemFilter{{"user", "string", "account the key logs in as"}, {"type", "string", "ssh-ed25519, ssh-rsa …"}}},
	{"sockets", wire.KindSockets, []itemFilter{{"proto", "string", "tcp, tcp6, udp, udp6"}, {"state", "string", "LISTEN, ESTABLISHED"}, {"local_port", "int", "port number"}}},
	{"backups", wire.KindBackups, []itemFilter{{"tool", "string", "restic, borg …"}, {"last_status", "string", "ok, failed, unknown"}, {"source", "string", "cron, systemd-timer, config"}}},
}

func kindQuery(filters []itemFilter) []queryParam {
	q := []queryParam{{"q", "case-insensitive substring of the item's name"}}
	for _, f := range filters {
		q = append(q, queryParam{f.Name, f.Description})
	}
	return append(q, queryParam{"limit", "page size, 1 to 500 (default 50)"}, queryParam{"cursor", "next_cursor of the previous page"})
}

// parseItemFilter reads ?q=, the kind's field filters, limit and cursor.
func parseItemFilter(c *fiber.Ctx, filters []itemFilter) (store.ItemFilter, error) {
	f := store.ItemFilter{Name: c.Query("q")}
	if len(f.Name) > 200 {
		return f, badRequest("q is longer than 200 bytes")
	}
	for _, fl := range filters {
		raw := c.Query(fl.Name)
		if raw == "" {
			continue
		}
		if f.Contains == nil {
			f.Contains = map[string]any{}
		}
		switch fl.Typ {
		case "bool":
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return f, badRequest(fl.Name + " must be true or false")
			}
			f.Contains[fl.Name] = b
		case "int":
			n, err := strconv.Atoi(raw)
			if err != nil {
				return f, badRequest(fl.Name + " must be a whole number")
			}
			f.Contains[fl.Name] = n
		default:
			if len(raw) > 512 {
				return f, badRequest(fl.Name + " is longer than 512 bytes")
			}
			f.Contains[fl.Name] = raw
		}
	}
	var err error
	if f.Limit, err = pageLimit(c); err != nil {
		return f, err
	}
	if raw := c.Query("cursor"); raw != "" {
		f.After = &store.ItemCursor{}
		if err := decodeCursor(raw, f.After); err != nil {
			return f, err
		}
	}
	return f, nil
}

// inventoryKindHandler serves the latest items of one kind as T.
func inventoryKindHandler[T any](s *Server, kind string, filters []itemFilter) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principalOf(c)
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		f, err := parseItemFilter(c, filters)
		if err != nil {
			return err
		}
		latest, err := s.store.InventoryItems(c.UserContext(), p.TenantID, id, kind, f)
		if err != nil {
			return err
		}
		pg := newPage(latest.Items, f.Limit, decodeItem[T], func(it store.InventoryItem) any {
			return store.ItemCursor{Key: it.Key, Hash: it.Hash}
		})
		return c.JSON(inventoryPage[T]{AgentID: id, Kind: kind, CollectedAt: utcPtr(latest.CollectedAt),
			Error: latest.Error, Items: pg.Items, NextCursor: pg.NextCursor})
	}
}

// decodeItem reads a stored item into its wire type. Items are kept as the
// agent sent them: a field of an unexpected type stays at its zero value.
func decodeItem[T any](it store.InventoryItem) T {
	var v T
	_ = json.Unmarshal(it.Item, &v) // best effort, see above
	return v
}

// inventoryKindRoutes is one route per inventory kind, each answering its
// wire item type.
func (s *Server) inventoryKindRoutes() []route {
	out := make([]route, 0, len(inventoryKinds))
	for _, k := range inventoryKinds {
		r := route{Method: "GET", Path: "/api/v1/agents/:id/inventory/" + k.Segment, Access: person, MinRole: auth.RoleViewer,
			Tag: "inventory", Summary: "The agent's latest " + k.Kind + " inventory, by key, with filters", Query: kindQuery(k.Filters)}
		switch k.Kind {
		case wire.KindPackages:
			r.Handler, r.Reply = inventoryKindHandler[wire.Package](s, k.Kind, k.Filters), inventoryPage[wire.Package]{}
		case wire.KindContainers:
			r.Handler, r.Reply = inventoryKindHandler[wire.Container](s, k.Kind, k.Filters), inventoryPage[wire.Container]{}
		case wire.KindSystemd:
			r.Handler, r.Reply = inventoryKindHandler[wire.SystemdUnit](s, k.Kind, k.Filters), inventoryPage[wire.SystemdUnit]{}
		case wire.KindUsers:
			r.Handler, r.Reply = inventoryKindHandler[wire.User](s, k.Kind, k.Filters), inventoryPage[wire.User]{}
		case wire.KindGroups:
			r.Handler, r.Reply = inventoryKindHandler[wire.Group](s, k.Kind, k.Filters), inventoryPage[wire.Group]{}
		case wire.KindSudo:
			r.Handler, r.Reply = inventoryKindHandler[wire.SudoRule](s, k.Kind, k.Filters), inventoryPage[wire.SudoRule]{}
		case wire.KindSSHKeys:
			r.Handler, r.Reply = inventoryKindHandler[wire.SSHKey](s, k.Kind, k.Filters), inventoryPage[wire.SSHKey]{}
		case wire.KindSockets:
			r.Handler, r.Reply = inventoryKindHandler[wire.Socket](s, k.Kind, k.Filters), inventoryPage[wire.Socket]{}
		case wire.KindBackups:
			r.Handler, r.Reply = inventoryKindHandler[wire.BackupJob](s, k.Kind, k.Filters), inventoryPage[wire.BackupJob]{}
		}
		out = append(out, r)
	}
	return out
}
