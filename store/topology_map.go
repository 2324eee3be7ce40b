package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

// ErrInvalidReference is a write naming a zone, node or agent the tenant
// does not have.
var ErrInvalidReference = errors.New("reference to something this tenant does not have")

// Zone is a network, site or environment; ParentID nests it.
type Zone struct {
	ID        uuid.UUID  `db:"id"`
	Name      string     `db:"name"`
	Kind      string     `db:"kind"`
	ParentID  *uuid.UUID `db:"parent_id"`
	CreatedAt time.Time  `db:"created_at"`
}

// Node is an agent, cloud resource or hand-made device or service.
type Node struct {
	ID        uuid.UUID  `db:"id"`
	Kind      string     `db:"kind"`
	Name      string     `db:"name"`
	AgentID   *uuid.UUID `db:"agent_id"`
	Addresses []string   `db:"addresses"`
	ZoneID    *uuid.UUID `db:"zone_id"`
	Tags      []string   `db:"tags"`
	CreatedAt time.Time  `db:"created_at"`
	UpdatedAt time.Time  `db:"updated_at"`
}

// MapEdge is a connection someone drew or promoted.
type MapEdge struct {
	ID        uuid.UUID `db:"id"`
	From      uuid.UUID `db:"from_node"`
	To        uuid.UUID `db:"to_node"`
	Protocol  string    `db:"protocol"`
	Port      *int32    `db:"port"`
	Label     string    `db:"label"`
	CreatedAt time.Time `db:"created_at"`
}

const zoneColumns = `id, name, kind, parent_id, created_at`

const insertZoneSQL = `INSERT INTO topology_zones (id, tenant_id, name, kind, parent_id)
SELECT $1, $2, $3, $4, $5 WHERE $5::uuid IS NULL OR EXISTS (SELECT 1 FROM topology_zones WHERE tenant_id = $2 AND id = $5)
RETURNING ` + zoneColumns

// CreateZone stores a zone; ev (topology_zone_created) commits with it.
func (s *Store) CreateZone(ctx context.Context, tenantID uuid.UUID, z Zone, ev audit.Event) (Zone, error) {
	var out Zone
	err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, insertZoneSQL, newID(), tenantID, z.Name, z.Kind, z.ParentID)
		var err error
		if out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Zone]); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("parent zone: %w", ErrInvalidReference)
			}
			return mapErr(err)
		}
		ev.TargetType, ev.TargetID = "topology_zone", out.ID.String()
		return nil
	})
	if err != nil {
		return Zone{}, fmt.Errorf("create zone: %w", err)
	}
	return out, nil
}

const zonesSQL = `SELECT ` + zoneColumns + ` FROM topology_zones WHERE tenant_id = $1 ORDER BY name, id`

// Zones lists every zone of a tenant by name.
func (s *Store) Zones(ctx context.Context, tenantID uuid.UUID) ([]Zone, error) {
	rows, _ := s.pool.Query(ctx, zonesSQL, tenantID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Zone])
	if err != nil {
		return nil, fmt.Errorf("list zones: %w", err)
	}
	return out, nil
}

const nodeColumns = `id, kind, name, agent_id, addresses, zone_id, tags, created_at, updated_at`

// nodeRefsOK holds a node's zone and agent to the tenant ($2 tenant, $5
// agent, $7 zone).
const nodeRefsOK = `($5::uuid IS NULL OR EXISTS (SELECT 1 FROM agents WHERE tenant_id = $2 AND id = $5 AND deleted_at IS NULL))
  AND ($7::uuid IS NULL OR EXISTS (SELECT 1 FROM topology_zones WHERE tenant_id = $2 AND id = $7))`

const insertNodeSQL = `INSERT INTO topology_nodes (id, tenant_id, kind, name, agent_id, addresses, zone_id, tags)
SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE ` + nodeRefsOK + ` RETURNING ` + nodeColumns

// CreateNode stores a node; ev (topology_node_created) commits with it.
func (s *Store) CreateNode(ctx context.Context, tenantID uuid.UUID, n Node, ev audit.Event) (Node, error) {
	var out Node
	err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		var err error
		out, err = insertNode(ctx, tx, tenantID, n)
		ev.TargetType, ev.TargetID = "topology_node", out.ID.String()
		return err
	})
	if err != nil {
		return Node{}, fmt.Errorf("create node: %w", err)
	}
	return out, nil
}

func insertNode(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, n Node) (Node, error) {
	rows, _ := tx.Query(ctx, insertNodeSQL, newID(), tenantID, n.Kind, n.Name, n.AgentID, nonNil(n.Addresses), n.ZoneID, nonNil(n.Tags))
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Node])
	if errors.Is(err, pgx.ErrNoRows) {
		return Node{}, fmt.Errorf("zone or agent: %w", ErrInvalidReference)
	}
	return out, mapErr(err)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const updateNodeSQL = `UPDATE topology_nodes SET name = $3, addresses = $4, zone_id = $5, tags = $6, updated_at = now()
WHERE tenant_id = $2 AND id = $1
  AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM topology_zones WHERE tenant_id = $2 AND id = $5))
RETURNING ` + nodeColumns

const nodeExistsSQL = `SELECT EXISTS (SELECT 1 FROM topology_nodes WHERE tenant_id = $1 AND id = $2)`

// UpdateNode replaces a node's name, addresses, zone and tags (its kind
// and agent stay); ev (topology_node_updated) commits with it.
func (s *Store) UpdateNode(ctx context.Context, tenantID uuid.UUID, n Node, ev audit.Event) (Node, error) {
	var out Node
	ev.TargetType, ev.TargetID = "topology_node", n.ID.String()
	err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, nodeExistsSQL, tenantID, n.ID).Scan(&exists); err != nil {
			return fmt.Errorf("look up node: %w", err)
		}
		if !exists {
			return ErrNotFound
		}
		rows, _ := tx.Query(ctx, updateNodeSQL, n.ID, tenantID, n.Name, nonNil(n.Addresses), n.ZoneID, nonNil(n.Tags))
		var err error
		out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Node])
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("zone: %w", ErrInvalidReference)
		}
		return err
	})
	if err != nil {
		return Node{}, fmt.Errorf("update node: %w", err)
	}
	return out, nil
}

const deleteNodeSQL = `DELETE FROM topology_nodes WHERE tenant_id = $1 AND id = $2`

// DeleteNode removes a node and its edges; ev (topology_node_deleted)
// commits with it.
func (s *Store) DeleteNode(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "topology_node", id.String()
	if err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "delete node row", deleteNodeSQL, tenantID, id)
	}); err != nil {
		return fmt.Errorf("delete node: %w", err)
	}
	return nil
}

const nodesSQL = `SELECT ` + nodeColumns + ` FROM topology_nodes WHERE tenant_id = $1 ORDER BY name, id`

// Nodes lists every node of a tenant by name.
func (s *Store) Nodes(ctx context.Context, tenantID uuid.UUID) ([]Node, error) {
	rows, _ := s.pool.Query(ctx, nodesSQL, tenantID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Node])
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return out, nil
}

const edgeColumns = `id, from_node, to_node, protocol, port, label, created_at`

const insertEdgeSQL = `INSERT INTO topology_edges (id, tenant_id, from_node, to_node, protocol, port, label)
SELECT $1, $2, $3, $4, $5, $6, $7
WHERE (SELECT count(*) FROM topology_nodes WHERE tenant_id = $2 AND id IN ($3, $4)) = 2
RETURNING ` + edgeColumns

// CreateEdge stores an edge between two of the tenant's nodes; ev
// (topology_edge_created) commits with it.
func (s *Store) CreateEdge(ctx context.Context, tenantID uuid.UUID, e MapEdge, ev audit.Event) (MapEdge, error) {
	var out MapEdge
	err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		var err error
		out, err = insertEdge(ctx, tx, tenantID, e)
		ev.TargetType, ev.TargetID = "topology_edge", out.ID.String()
		return err
	})
	if err != nil {
		return MapEdge{}, fmt.Errorf("create edge: %w", err)
	}
	return out, nil
}

func insertEdge(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, e MapEdge) (MapEdge, error) {
	rows, _ := tx.Query(ctx, insertEdgeSQL, newID(), tenantID, e.From, e.To, e.Protocol, e.Port, e.Label)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[MapEdge])
	if errors.Is(err, pgx.ErrNoRows) {
		return MapEdge{}, fmt.Errorf("from or to node: %w", ErrInvalidReference)
	}
	return out, mapErr(err)
}

const deleteEdgeSQL = `DELETE FROM topology_edges WHERE tenant_id = $1 AND id = $2`

// DeleteEdge removes an edge; ev (topology_edge_deleted) commits with it.
func (s *Store) DeleteEdge(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "topology_edge", id.String()
	if err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "delete edge row", deleteEdgeSQL, tenantID, id)
	}); err != nil {
		return fmt.Errorf("delete edge: %w", err)
	}
	return nil
}

const edgesSQL = `SELECT ` + edgeColumns + ` FROM topology_edges WHERE tenant_id = $1 ORDER BY id`

// Edges lists every drawn edge of a tenant.
func (s *Store) Edges(ctx context.Context, tenantID uuid.UUID) ([]MapEdge, error) {
	rows, _ := s.pool.Query(ctx, edgesSQL, tenantID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[MapEdge])
	if err != nil {
		return nil, fmt.Errorf("list edges: %w", err)
	}
	return out, nil
}
