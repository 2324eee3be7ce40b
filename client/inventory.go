package client

import (
	"context"
	"encoding/json"
	"net/url"
	"time"
)

// InventoryKind is one kind an agent reported (GET /agents/:id/inventory).
type InventoryKind struct {
	Kind        string    `json:"kind"`
	CollectedAt time.Time `json:"collected_at"`
	SeenAt      time.Time `json:"seen_at"`
	Error       string    `json:"error"`
	Items       int       `json:"items"`
}

// InventorySummary is every kind an agent reported.
type InventorySummary struct {
	Raw
	AgentID string          `json:"agent_id"`
	Kinds   []InventoryKind `json:"kinds"`
}

// InventorySummary fetches the kinds an agent reported.
func (c *Client) InventorySummary(ctx context.Context, agentID string) (InventorySummary, error) {
	var s InventorySummary
	err := c.get(ctx, "/agents/"+url.PathEscape(agentID)+"/inventory", nil, &s)
	return s, err
}

// InventoryKinds are the kinds with a route of their own, as the path
// segment names them.
var InventoryKinds = []string{"packages", "containers", "systemd", "users", "groups", "sudo", "ssh-keys", "sockets", "backups"}

// Item is one inventory item as the agent sent it: its fields differ by
// kind (see the hub's wire types), so it stays a JSON object.
type Item map[string]any

// Inventory is the latest items of one kind of one agent.
type Inventory struct {
	Raw
	AgentID     string     `json:"agent_id"`
	Kind        string     `json:"kind"`
	CollectedAt *time.Time `json:"collected_at"` // nil: never reported
	Error       string     `json:"error"`
	Items       []Item     `json:"items"`
	// More is set when the listing stopped at the caller's limit.
	More bool `json:"-"`
}

// InventoryQuery narrows Inventory.
type InventoryQuery struct {
	Name    string            // substring of the item's name
	Filters map[string]string // the kind's field filters, e.g. manager=dpkg
	Limit   int               // 0: all
}

// Inventory fetches an agent's latest items of kind (a segment of
// InventoryKinds), walking the pages.
func (c *Client) Inventory(ctx context.Context, agentID, kind string, iq InventoryQuery) (Inventory, error) {
	q := url.Values{}
	setIf(q, "q", iq.Name)
	for k, v := range iq.Filters {
		q.Set(k, v)
	}
	path := "/agents/" + url.PathEscape(agentID) + "/inventory/" + url.PathEscape(kind)
	var inv Inventory
	var items []json.RawMessage
	more, err := c.walk(ctx, path, q, iq.Limit, func(b []byte) (int, string, error) {
		var pg rawInventoryPage
		if err := decode(b, &pg, "GET "+path); err != nil {
			return 0, "", err
		}
		inv.AgentID, inv.Kind, inv.CollectedAt, inv.Error = pg.AgentID, pg.Kind, pg.CollectedAt, pg.Error
		items = append(items, pg.Items...)
		return len(pg.Items), pg.NextCursor, nil
	})
	if err != nil {
		return Inventory{}, err
	}
	inv.More = more
	return inv.finish(items), nil
}

type rawInventoryPage struct {
	AgentID     string            `json:"agent_id"`
	Kind        string            `json:"kind"`
	CollectedAt *time.Time        `json:"collected_at"`
	Error       string            `json:"error"`
	Items       []json.RawMessage `json:"items"`
	NextCursor  string            `json:"next_cursor"`
}

// finish decodes the collected items and keeps the answer's JSON as one
// page holding all of them.
func (inv Inventory) finish(items []json.RawMessage) Inventory {
	if items == nil {
		items = []json.RawMessage{}
	}
	inv.Items = make([]Item, 0, len(items))
	for _, raw := range items {
		var it Item
		_ = json.Unmarshal(raw, &it) // each was valid JSON inside a decoded page
		inv.Items = append(inv.Items, it)
	}
	b, _ := json.Marshal(struct { // marshalling strings, a time and raw JSON cannot fail
		AgentID     string            `json:"agent_id"`
		Kind        string            `json:"kind"`
		CollectedAt *time.Time        `json:"collected_at"`
		Error       string            `json:"error,omitempty"`
		Items       []json.RawMessage `json:"items"`
	}{inv.AgentID, inv.Kind, inv.CollectedAt, inv.Error, items})
	inv.keep(b)
	return inv
}

// Processes is an agent's latest top processes (GET /agents/:id/processes).
type Processes struct {
	Raw
	AgentID     string     `json:"agent_id"`
	CollectedAt *time.Time `json:"collected_at"`
	Error       string     `json:"error"`
	Sort        string     `json:"sort"`
	Items       []Item     `json:"items"`
}

// Processes fetches an agent's latest top processes, by cpu or memory.
func (c *Client) Processes(ctx context.Context, agentID, sort string) (Processes, error) {
	q := url.Values{}
	setIf(q, "sort", sort)
	var p Processes
	err := c.get(ctx, "/agents/"+url.PathEscape(agentID)+"/processes", q, &p)
	return p, err
}

// SearchHit is an agent holding an item (GET /inventory/search).
type SearchHit struct {
	Raw
	AgentID     string    `json:"agent_id"`
	Hostname    string    `json:"hostname"`
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	Version     string    `json:"version"`
	Item        Item      `json:"item"`
	CollectedAt time.Time `json:"collected_at"`
}

// SearchQuery is what to find across the fleet.
type SearchQuery struct {
	Kind    string // wire kind (packages, ssh_keys …); default packages
	Name    string
	Version string
	Prefix  bool // name is a prefix
	Limit   int  // 0: all
}

// SearchInventory finds which agents hold an item, and in which version.
func (c *Client) SearchInventory(ctx context.Context, sq SearchQuery) (List[SearchHit], error) {
	q := url.Values{"name": {sq.Name}}
	setIf(q, "kind", sq.Kind)
	setIf(q, "version", sq.Version)
	if sq.Prefix {
		q.Set("match", "prefix")
	}
	return listAll[SearchHit](ctx, c, "/inventory/search", q, sq.Limit)
}
