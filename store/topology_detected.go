package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// AgentInventory is an agent's latest host and sockets inventories, for
// topology detection. Items are nil for a kind the agent never sent.
type AgentInventory struct {
	TenantID uuid.UUID       `db:"tenant_id"`
	AgentID  uuid.UUID       `db:"agent_id"`
	Hostname string          `db:"hostname"`
	Host     json.RawMessage `db:"host"`
	Sockets  json.RawMessage `db:"sockets"`
	SeenAt   time.Time       `db:"seen_at"` // the later of the two kinds' seen_at
}

const changedTopologyInventorySQL = `SELECT a.tenant_id, a.id AS agent_id, a.hostname,
  (SELECT s.items FROM inventory_latest l JOIN inventory_snapshots s ON s.id = l.snapshot_id
    WHERE l.agent_id = a.id AND l.kind = 'host') AS host,
  (SELECT s.items FROM inventory_latest l JOIN inventory_snapshots s ON s.id = l.snapshot_id
    WHERE l.agent_id = a.id AND l.kind = 'sockets') AS sockets,
  c.seen_at
FROM (SELECT agent_id, max(seen_at) AS seen_at FROM inventory_latest
      WHERE kind IN ('host', 'sockets') AND seen_at > $1 GROUP BY agent_id) c
JOIN agents a ON a.id = c.agent_id AND a.deleted_at IS NULL
ORDER BY c.seen_at, a.id`

// ChangedTopologyInventory lists the agents, of every tenant, whose host
// or sockets inventory was sent after since (re-sent unchanged counts:
// the connections were seen again), oldest first.
func (s *Store) ChangedTopologyInventory(ctx context.Context, since time.Time) ([]AgentInventory, error) {
	rows, _ := s.pool.Query(ctx, changedTopologyInventorySQL, since)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AgentInventory])
	if err != nil {
		return nil, fmt.Errorf("list changed topology inventory: %w", err)
	}
	return out, nil
}

// DetectedWrite is one detected connection as a detection pass saw it.
type DetectedWrite struct {
	From, To    *uuid.UUID
	Peer, Proto string
	Port        int
	Service     string
	NAT         bool
	Flows       int
}

const upsertDetectedSQL = `INSERT INTO topology_detected AS d
  (tenant_id, from_agent, to_agent, peer, proto, port, service, nat, flows, first_seen, last_seen)
SELECT $1, f, t, p, pr, po, sv, n, fl, $2, $2
FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int[], $8::text[], $9::bool[], $10::int[])
  AS x(f, t, p, pr, po, sv, n, fl)
WHERE EXISTS (SELECT 1 FROM agents a WHERE a.tenant_id = $1 AND a.id = coalesce(x.f, x.t))
ON CONFLICT (tenant_id, from_agent, to_agent, peer, proto, port) DO UPDATE
SET service = excluded.service, nat = excluded.nat, flows = excluded.flows,
    last_seen = greatest(d.last_seen, excluded.last_seen), seen_count = d.seen_count + 1`

// RecordDetected stores one pass's connections of a tenant seen at at:
// new ones start their first_seen, known ones move last_seen and count
// one more sighting. Connections not in ws are left as they were.
func (s *Store) RecordDetected(ctx context.Context, tenantID uuid.UUID, at time.Time, ws []DetectedWrite) error {
	if len(ws) == 0 {
		return nil
	}
	n := len(ws)
	from, to := make([]*uuid.UUID, n), make([]*uuid.UUID, n)
	peer, proto, service := make([]string, n), make([]string, n), make([]string, n)
	port, flows, nat := make([]int32, n), make([]int32, n), make([]bool, n)
	for i, w := range ws {
		from[i], to[i], peer[i], proto[i], service[i] = w.From, w.To, w.Peer, w.Proto, w.Service
		port[i], flows[i], nat[i] = int32(w.Port), int32(w.Flows), w.NAT
	}
	if _, err := s.pool.Exec(ctx, upsertDetectedSQL, tenantID, at, from, to, peer, proto, port, service, nat, flows); err != nil {
		return fmt.Errorf("record detected connections: %w", err)
	}
	return nil
}

// Detected is one stored detected connection with its agents' names.
type Detected struct {
	ID        int64      `db:"id"`
	FromAgent *uuid.UUID `db:"from_agent"`
	FromName  *string    `db:"from_name"`
	ToAgent   *uuid.UUID `db:"to_agent"`
	ToName    *string    `db:"to_name"`
	Peer      string     `db:"peer"`
	Proto     string     `db:"proto"`
	Port      int32      `db:"port"`
	Service   string     `db:"service"`
	NAT       bool       `db:"nat"`
	Flows     int32      `db:"flows"`
	FirstSeen time.Time  `db:"first_seen"`
	LastSeen  time.Time  `db:"last_seen"`
	SeenCount int64      `db:"seen_count"`
}

const detectedColumns = `d.id, d.from_agent, fa.hostname AS from_name, d.to_agent, ta.hostname AS to_name,
  d.peer, d.proto, d.port, d.service, d.nat, d.flows, d.first_seen, d.last_seen, d.seen_count
FROM topology_detected d
LEFT JOIN agents fa ON fa.id = d.from_agent
LEFT JOIN agents ta ON ta.id = d.to_agent`

const listDetectedSQL = `SELECT ` + detectedColumns + `
WHERE d.tenant_id = $1 AND (d.from_agent IS NULL OR d.to_agent IS NULL) = $2
  AND ($3::bigint IS NULL OR d.id > $3) ORDER BY d.id LIMIT $4`

// DetectedConnections lists a tenant's detected connections between
// agents, or with unmatched true those with a peer no agent owns.
func (s *Store) DetectedConnections(ctx context.Context, tenantID uuid.UUID, unmatched bool, after *int64, limit int) ([]Detected, error) {
	rows, _ := s.pool.Query(ctx, listDetectedSQL, tenantID, unmatched, after, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Detected])
	if err != nil {
		return nil, fmt.Errorf("list detected connections: %w", err)
	}
	return out, nil
}

const allDetectedSQL = `SELECT ` + detectedColumns + ` WHERE d.tenant_id = $1 ORDER BY d.id`

// AllDetected is every detected connection of a tenant, for maps,
// snapshots and the blast radius.
func (s *Store) AllDetected(ctx context.Context, tenantID uuid.UUID) ([]Detected, error) {
	rows, _ := s.pool.Query(ctx, allDetectedSQL, tenantID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Detected])
	if err != nil {
		return nil, fmt.Errorf("list all detected connections: %w", err)
	}
	return out, nil
}
