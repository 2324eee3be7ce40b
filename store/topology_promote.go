package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

const detectedOneSQL = `SELECT ` + detectedColumns + ` WHERE d.tenant_id = $1 AND d.id = $2`

const agentNodeSQL = `SELECT ` + nodeColumns + ` FROM topology_nodes WHERE tenant_id = $1 AND agent_id = $2`

const peerNodeSQL = `SELECT ` + nodeColumns + ` FROM topology_nodes WHERE tenant_id = $1 AND agent_id IS NULL AND $2 = ANY (addresses)
ORDER BY id LIMIT 1`

const edgeByKeySQL = `SELECT ` + edgeColumns + ` FROM topology_edges
WHERE tenant_id = $1 AND from_node = $2 AND to_node = $3 AND protocol = $4 AND port IS NOT DISTINCT FROM $5`

// Promoted is what promoting a detected connection made or found.
type Promoted struct {
	From, To Node
	Edge     MapEdge
}

// PromoteDetected turns a detected connection into map nodes and an
// edge: an agent's node (made when missing), a device node for a peer no
// agent owns, and the edge labelled with the service. Promoting twice
// answers the same edge. ev (topology_detected_promoted) commits with it.
func (s *Store) PromoteDetected(ctx context.Context, tenantID uuid.UUID, id int64, ev audit.Event) (Promoted, error) {
	var out Promoted
	ev.TargetType, ev.TargetID = "topology_detected", fmt.Sprint(id)
	err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, detectedOneSQL, tenantID, id)
		d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Detected])
		if err != nil {
			return fmt.Errorf("read detected connection: %w", mapErr(err))
		}
		if out.From, err = nodeFor(ctx, tx, tenantID, d.FromAgent, d.FromName, d.Peer); err != nil {
			return err
		}
		if out.To, err = nodeFor(ctx, tx, tenantID, d.ToAgent, d.ToName, d.Peer); err != nil {
			return err
		}
		port := d.Port
		rows, _ = tx.Query(ctx, edgeByKeySQL, tenantID, out.From.ID, out.To.ID, d.Proto, &port)
		out.Edge, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[MapEdge])
		if errors.Is(err, pgx.ErrNoRows) {
			out.Edge, err = insertEdge(ctx, tx, tenantID, MapEdge{From: out.From.ID, To: out.To.ID, Protocol: d.Proto, Port: &port, Label: d.Service})
		}
		ev.Details = map[string]any{"edge_id": out.Edge.ID.String()}
		return err
	})
	if err != nil {
		return Promoted{}, fmt.Errorf("promote detected connection: %w", err)
	}
	return out, nil
}

// nodeFor finds or makes the node of one end: the agent's, else a device
// holding the peer address.
func nodeFor(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, agent *uuid.UUID, name *string, peer string) (Node, error) {
	q, arg, n := peerNodeSQL, any(peer), Node{Kind: "device", Name: peer, Addresses: []string{peer}}
	if agent != nil {
		q, arg, n = agentNodeSQL, *agent, Node{Kind: "agent", Name: *name, AgentID: agent}
	}
	rows, _ := tx.Query(ctx, q, tenantID, arg)
	found, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Node])
	if errors.Is(err, pgx.ErrNoRows) {
		return insertNode(ctx, tx, tenantID, n)
	}
	if err != nil {
		return Node{}, fmt.Errorf("find node: %w", err)
	}
	return found, nil
}

// Snapshot is the whole map of a tenant at a moment; Content is the
// caller's encoding of it.
type Snapshot struct {
	ID      uuid.UUID       `db:"id"`
	Name    string          `db:"name"`
	TakenAt time.Time       `db:"taken_at"`
	Content json.RawMessage `db:"content"`
}

const insertSnapshotSQL = `INSERT INTO topology_snapshots (id, tenant_id, name, content) VALUES ($1, $2, $3, $4)
RETURNING id, name, taken_at, content`

// CreateSnapshot stores a map; ev (topology_snapshot_created) commits
// with it.
func (s *Store) CreateSnapshot(ctx context.Context, tenantID uuid.UUID, name string, content []byte, ev audit.Event) (Snapshot, error) {
	var out Snapshot
	err := s.audited(ctx, &ev, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, insertSnapshotSQL, newID(), tenantID, name, content)
		var err error
		out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Snapshot])
		ev.TargetType, ev.TargetID = "topology_snapshot", out.ID.String()
		return err
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("create snapshot: %w", err)
	}
	return out, nil
}

const snapshotsSQL = `SELECT id, name, taken_at, NULL::jsonb AS content FROM topology_snapshots
WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`

// Snapshots lists a tenant's snapshots, newest first, without content.
func (s *Store) Snapshots(ctx context.Context, tenantID uuid.UUID, before *uuid.UUID, limit int) ([]Snapshot, error) {
	rows, _ := s.pool.Query(ctx, snapshotsSQL, tenantID, before, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Snapshot])
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	return out, nil
}

const snapshotSQL = `SELECT id, name, taken_at, content FROM topology_snapshots WHERE tenant_id = $1 AND id = $2`

// SnapshotByID is one snapshot with its content.
func (s *Store) SnapshotByID(ctx context.Context, tenantID, id uuid.UUID) (Snapshot, error) {
	rows, _ := s.pool.Query(ctx, snapshotSQL, tenantID, id)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Snapshot])
	if err != nil {
		return Snapshot{}, fmt.Errorf("read snapshot: %w", mapErr(err))
	}
	return out, nil
}
