package ingest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/wire"
)

// seenSQL marks every agent of a flush as seen, taking heartbeat fields
// where a batch carried them. Without a heartbeat, an agent seen in the
// last 5 s is left alone, sparing a row update per batch.
const seenSQL = `UPDATE agents a SET last_seen_at = now(),
  uptime_s = COALESCE(u.uptime_s, a.uptime_s),
  agent_version = COALESCE(NULLIF(u.version, ''), a.agent_version),
  heartbeat_interval_s = COALESCE(u.interval_s, a.heartbeat_interval_s)
FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::int[]) AS u(id, uptime_s, version, interval_s)
WHERE a.id = u.id AND a.deleted_at IS NULL
  AND (u.uptime_s IS NOT NULL OR a.last_seen_at IS NULL OR a.last_seen_at < now() - interval '5 seconds')`

const inventorySQL = `WITH latest AS (
  SELECT s.id, s.items_sha256 FROM inventory_latest l JOIN inventory_snapshots s ON s.id = l.snapshot_id
  WHERE l.agent_id = $1 AND l.kind = $2
), ins AS (
  INSERT INTO inventory_snapshots (tenant_id, agent_id, kind, collected_at, items, items_sha256, error)
  SELECT $3, $1, $2, $4, $5, $6, $7
  WHERE NOT EXISTS (SELECT 1 FROM latest WHERE items_sha256 = $6)
  RETURNING id
)
INSERT INTO inventory_latest (agent_id, kind, tenant_id, snapshot_id, seen_at)
SELECT $1, $2, $3, COALESCE((SELECT id FROM ins), (SELECT id FROM latest)), now()
ON CONFLICT (agent_id, kind) DO UPDATE SET snapshot_id = EXCLUDED.snapshot_id, seen_at = EXCLUDED.seen_at`

// inventoryItemsSQL rewrites the searchable latest items of (agent, kind)
// when the statement before it stored a new snapshot (the latest pointer
// then names a snapshot whose items are not indexed yet); an unchanged
// snapshot costs one index probe. Keys and names come from the SQL
// functions of migration 0008, the one definition of an item's identity.
const inventoryItemsSQL = `WITH cur AS (
  SELECT s.id, s.items FROM inventory_latest l JOIN inventory_snapshots s ON s.id = l.snapshot_id
  WHERE l.agent_id = $1 AND l.kind = $2
    AND NOT EXISTS (SELECT 1 FROM inventory_items i WHERE i.agent_id = $1 AND i.kind = $2 AND i.snapshot_id = s.id)
    AND NOT (jsonb_typeof(s.items) = 'array' AND jsonb_array_length(s.items) = 0
             AND NOT EXISTS (SELECT 1 FROM inventory_items i WHERE i.agent_id = $1 AND i.kind = $2))
), del AS (
  DELETE FROM inventory_items i USING cur WHERE i.agent_id = $1 AND i.kind = $2
)
INSERT INTO inventory_items (tenant_id, agent_id, kind, key, name, version, item, snapshot_id)
SELECT $3, $1, $2, inventory_item_key($2, e), inventory_item_name($2, e), inventory_item_version($2, e), e, cur.id
FROM cur, inventory_elements(cur.items) AS e`

// processesSQL keeps only the latest top-process list of an agent: it
// arrives with every interval, and history of it is not worth its rows.
const processesSQL = `INSERT INTO agent_processes (agent_id, tenant_id, collected_at, items, error)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (agent_id) DO UPDATE SET collected_at = EXCLUDED.collected_at, items = EXCLUDED.items, error = EXCLUDED.error
WHERE agent_processes.collected_at <= EXCLUDED.collected_at`

const fireAlertSQL = `WITH up AS (
  INSERT INTO alerts (id, tenant_id, agent_id, source, key, severity, summary, state)
  VALUES ($1, $2, $3, 'agent', $4, $5, $6, 'firing')
  ON CONFLICT (tenant_id, agent_id, key) WHERE state = 'firing'
  DO UPDATE SET severity = EXCLUDED.severity, summary = EXCLUDED.summary, last_seen_at = now()
  RETURNING id, (xmax = 0) AS opened
)
INSERT INTO alert_events (tenant_id, alert_id, state, severity, summary)
SELECT $2, id, 'firing', $5, $6 FROM up WHERE opened`

const resolveAlertSQL = `WITH closed AS (
  UPDATE alerts SET state = 'resolved', resolved_at = now(), last_seen_at = now()
  WHERE tenant_id = $1 AND agent_id = $2 AND key = $3 AND state = 'firing'
  RETURNING id, severity, summary
)
INSERT INTO alert_events (tenant_id, alert_id, state, severity, summary)
SELECT $1, id, 'resolved', severity, summary FROM closed`

// writeParts stores the non-metric parts of a flush in its transaction:
// every agent is marked seen; inventory and alerts of fresh batches are
// written (a duplicate batch's parts were written with its first copy).
func writeParts(ctx context.Context, tx pgx.Tx, items []*Pending, fresh []bool) error {
	var ids []uuid.UUID
	var uptimes []*int64
	var versions []string
	var intervals []*int32
	index := map[uuid.UUID]int{}
	batch := &pgx.Batch{}
	for i, it := range items {
		if it.AgentID == nil {
			continue
		}
		agent := *it.AgentID
		j, ok := index[agent]
		if !ok {
			j = len(ids)
			index[agent] = j
			ids = append(ids, agent)
			uptimes, versions, intervals = append(uptimes, nil), append(versions, ""), append(intervals, nil)
		}
		if hb := it.Heartbeat; hb != nil {
			up := hb.UptimeS
			uptimes[j], versions[j] = &up, hb.AgentVersion
			if hb.IntervalS > 0 {
				iv := int32(hb.IntervalS)
				intervals[j] = &iv
			}
		}
		if !fresh[i] {
			continue
		}
		for _, part := range it.Inventory {
			collected := time.Now()
			if part.CollectedAt > 0 {
				collected = time.UnixMilli(part.CollectedAt)
			}
			items := []byte(part.Items)
			if len(items) == 0 {
				items = []byte("null")
			}
			if part.Kind == wire.KindProcesses {
				batch.Queue(processesSQL, agent, it.TenantID, collected, string(items), part.Error)
				continue
			}
			sum := sha256.Sum256(items)
			batch.Queue(inventorySQL, agent, part.Kind, it.TenantID, collected, string(items), sum[:], part.Error)
			batch.Queue(inventoryItemsSQL, agent, part.Kind, it.TenantID)
		}
		for _, a := range it.Alerts {
			if a.State == "resolved" {
				batch.Queue(resolveAlertSQL, it.TenantID, agent, a.Key)
			} else {
				batch.Queue(fireAlertSQL, uuid.Must(uuid.NewV7()), it.TenantID, agent, a.Key, a.Severity, a.Summary)
			}
		}
	}
	if len(ids) > 0 {
		batch.Queue(seenSQL, ids, uptimes, versions, intervals)
	}
	if batch.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("write heartbeat, inventory and alerts: %w", err)
	}
	return nil
}
