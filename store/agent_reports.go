package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/wire"
)

// AgentReport is what one ingest batch says about its agent besides
// metrics.
type AgentReport struct {
	TenantID  uuid.UUID
	AgentID   uuid.UUID
	Heartbeat *wire.Heartbeat // nil: the agent is only marked seen
	// Inventory and Alerts are written only for a batch stored now: the
	// parts of a duplicate batch were written with its first copy.
	Inventory []wire.InventoryPart
	Alerts    []wire.Alert
	Events    []wire.SecurityEvent // honeypot and canary events, each raising an alert
}

// seenSQL marks every agent of a flush as seen, taking heartbeat fields
// where a batch carried them. Without a heartbeat, an agent seen in the
// last 5 s is left alone, sparing a row update per batch.
const seenSQL = `UPDATE agents a SET last_seen_at = now(),
  uptime_s = COALESCE(u.uptime_s, a.uptime_s),
  agent_version = COALESCE(NULLIF(u.version, ''), a.agent_version),
  heartbeat_interval_s = COALESCE(u.interval_s, a.heartbeat_interval_s),
  binary_sha256 = COALESCE(NULLIF(u.binary_sha256, ''), a.binary_sha256)
FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::int[], $5::text[]) AS u(id, uptime_s, version, interval_s, binary_sha256)
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

// upsertProcessesSQL keeps only the latest top-process list of an agent: it
// arrives with every interval, and history of it is not worth its rows.
const upsertProcessesSQL = `INSERT INTO agent_processes (agent_id, tenant_id, collected_at, items, error)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (agent_id) DO UPDATE SET collected_at = EXCLUDED.collected_at, items = EXCLUDED.items, error = EXCLUDED.error
WHERE agent_processes.collected_at <= EXCLUDED.collected_at`

// RecordAgentReports writes what a flush's batches said about their
// agents inside the flush's transaction tx, in one round trip: every
// agent is marked seen (with its heartbeat's fields), inventory snapshots
// and the latest processes are stored, and alerts move through
// alert_transitions.go. Reports of one agent apply in order.
func (s *Store) RecordAgentReports(ctx context.Context, tx pgx.Tx, reports []AgentReport) error {
	var ids []uuid.UUID
	var uptimes []*int64
	var versions, binaries []string
	var intervals []*int32
	index := map[uuid.UUID]int{}
	batch := &pgx.Batch{}
	for _, r := range reports {
		agent := r.AgentID
		j, ok := index[agent]
		if !ok {
			j = len(ids)
			index[agent] = j
			ids = append(ids, agent)
			uptimes, versions, intervals = append(uptimes, nil), append(versions, ""), append(intervals, nil)
			binaries = append(binaries, "")
		}
		if hb := r.Heartbeat; hb != nil {
			up := hb.UptimeS
			uptimes[j], versions[j], binaries[j] = &up, hb.AgentVersion, hb.BinarySHA256
			if hb.IntervalS > 0 {
				iv := int32(hb.IntervalS)
				intervals[j] = &iv
			}
		}
		for _, part := range r.Inventory {
			queueInventory(batch, r.TenantID, agent, part)
		}
		for _, a := range r.Alerts {
			if a.State == AlertResolved {
				queueResolve(batch, r.TenantID, agent, a.Key)
			} else {
				queueRaise(batch, KeyedAlert{TenantID: r.TenantID, AgentID: agent, Source: SourceAgent,
					Key: a.Key, Severity: a.Severity, Summary: a.Summary})
			}
		}
		if len(r.Events) > 0 {
			queueSecurityEvents(batch, r.TenantID, agent, r.Events)
		}
	}
	if len(ids) > 0 {
		batch.Queue(seenSQL, ids, uptimes, versions, intervals, binaries)
	}
	if batch.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("write heartbeat, inventory and alerts: %w", err)
	}
	return nil
}

// queueInventory stores one inventory part: the latest processes, or a
// snapshot of another kind (a new one only when its items changed) and
// its searchable items.
func queueInventory(batch *pgx.Batch, tenantID, agentID uuid.UUID, part wire.InventoryPart) {
	collected := time.Now()
	if part.CollectedAt > 0 {
		collected = time.UnixMilli(part.CollectedAt)
	}
	items := []byte(part.Items)
	if len(items) == 0 {
		items = []byte("null")
	}
	if part.Kind == wire.KindProcesses {
		batch.Queue(upsertProcessesSQL, agentID, tenantID, collected, string(items), part.Error)
		return
	}
	sum := sha256.Sum256(items)
	batch.Queue(inventorySQL, agentID, part.Kind, tenantID, collected, string(items), sum[:], part.Error)
	batch.Queue(inventoryItemsSQL, agentID, part.Kind, tenantID)
}
