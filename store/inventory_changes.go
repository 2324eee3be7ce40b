package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// InventoryChange is what changed in one kind between a snapshot and the
// one before it. Items are compared by key (inventory_item_key in
// migration 0008: package name and arch, unit name, user name, key
// fingerprint, container id …); items sharing a key compare as a set.
type InventoryChange struct {
	SnapshotID  int64
	Kind        string
	CollectedAt time.Time
	PreviousAt  time.Time
	Added       []json.RawMessage
	Removed     []json.RawMessage
	Changed     []ItemChange
}

// ItemChange is one key whose items differ between two snapshots.
type ItemChange struct {
	Key    string
	Before json.RawMessage
	After  json.RawMessage
}

// ChangeFilter selects snapshots: of Kind ("" for every kind), collected
// at or after Since, after the cursor, at most Limit snapshots.
type ChangeFilter struct {
	Kind  string
	Since time.Time
	After *ChangeCursor
	Limit int
}

// ChangeCursor is the position after the last snapshot of a page.
type ChangeCursor struct {
	At time.Time `json:"t"`
	ID int64     `json:"i"`
}

// inventoryChangesSQL pairs each snapshot of the page with its predecessor
// of the same kind (an index probe each) and diffs their items by key.
// Snapshots are only written when a kind's content changed, so every pair
// has at least one difference.
const inventoryChangesSQL = `WITH page AS (
  SELECT s.id, s.kind, s.collected_at, s.items, p.collected_at AS prev_at, p.items AS prev_items
  FROM inventory_snapshots s
  CROSS JOIN LATERAL (
    SELECT q.collected_at, q.items FROM inventory_snapshots q
    WHERE q.agent_id = s.agent_id AND q.kind = s.kind AND (q.collected_at, q.id) < (s.collected_at, s.id)
    ORDER BY q.collected_at DESC, q.id DESC LIMIT 1
  ) p
  WHERE s.tenant_id = $1 AND s.agent_id = $2 AND ($3 = '' OR s.kind = $3) AND s.collected_at >= $4
    AND ($5::timestamptz IS NULL OR (s.collected_at, s.id) > ($5, $6::bigint))
  ORDER BY s.collected_at, s.id LIMIT $7
)
SELECT page.id, page.kind, page.collected_at, page.prev_at, d.key,
  CASE jsonb_array_length(d.before) WHEN 1 THEN d.before -> 0 ELSE d.before END,
  CASE jsonb_array_length(d.after) WHEN 1 THEN d.after -> 0 ELSE d.after END
FROM page LEFT JOIN LATERAL (
  SELECT COALESCE(n.key, o.key) AS key, o.items AS before, n.items AS after
  FROM (SELECT inventory_item_key(page.kind, e) AS key, jsonb_agg(e ORDER BY e::text) AS items
        FROM inventory_elements(page.items) e GROUP BY 1) n
  FULL JOIN (SELECT inventory_item_key(page.kind, e) AS key, jsonb_agg(e ORDER BY e::text) AS items
        FROM inventory_elements(page.prev_items) e GROUP BY 1) o ON n.key = o.key
  WHERE n.items IS DISTINCT FROM o.items
) d ON true
ORDER BY page.collected_at, page.id, d.key`

// InventoryChanges lists, snapshot by snapshot, what changed in the
// agent's inventory. The first snapshot of a kind has no predecessor and
// is not a change.
func (s *Store) InventoryChanges(ctx context.Context, tenantID, agentID uuid.UUID, f ChangeFilter) ([]InventoryChange, error) {
	if err := s.checkAgent(ctx, tenantID, agentID); err != nil {
		return nil, err
	}
	var afterAt *time.Time
	var afterID *int64
	if f.After != nil {
		afterAt, afterID = &f.After.At, &f.After.ID
	}
	rows, err := s.pool.Query(ctx, inventoryChangesSQL, tenantID, agentID, f.Kind, f.Since, afterAt, afterID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list inventory changes: %w", err)
	}
	defer rows.Close()
	var out []InventoryChange
	for rows.Next() {
		var id int64
		var kind string
		var at, prev time.Time
		var key *string
		var before, after json.RawMessage
		if err := rows.Scan(&id, &kind, &at, &prev, &key, &before, &after); err != nil {
			return nil, fmt.Errorf("scan inventory change: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].SnapshotID != id {
			out = append(out, InventoryChange{SnapshotID: id, Kind: kind, CollectedAt: at, PreviousAt: prev,
				Added: []json.RawMessage{}, Removed: []json.RawMessage{}, Changed: []ItemChange{}})
		}
		c := &out[len(out)-1]
		switch {
		case key == nil:
		case before == nil:
			c.Added = append(c.Added, after)
		case after == nil:
			c.Removed = append(c.Removed, before)
		default:
			c.Changed = append(c.Changed, ItemChange{Key: *key, Before: before, After: after})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list inventory changes: %w", err)
	}
	return out, nil
}
