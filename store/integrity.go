package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

// IntegritySubject is an agent whose version, binary or machine DNA moved
// since the integrity check last judged it (or that it never judged).
type IntegritySubject struct {
	TenantID     uuid.UUID       `db:"tenant_id"`
	AgentID      uuid.UUID       `db:"agent_id"`
	Hostname     string          `db:"hostname"`
	MachineID    string          `db:"machine_id"`
	Version      string          `db:"agent_version"`
	BinarySHA256 string          `db:"binary_sha256"`
	DNA          json.RawMessage `db:"dna"` // wire.HostDNA; nil before a host inventory with one
	Known        bool            `db:"known"`
	PrevVersion  string          `db:"prev_version"`
	PrevBinary   string          `db:"prev_binary"`
	PrevDNA      json.RawMessage `db:"prev_dna"`
}

const integritySubjectsSQL = `SELECT a.tenant_id, a.id AS agent_id, a.hostname, a.machine_id, a.agent_version, a.binary_sha256,
  s.items->'dna' AS dna, i.agent_id IS NOT NULL AS known,
  COALESCE(i.agent_version, '') AS prev_version, COALESCE(i.binary_sha256, '') AS prev_binary, i.dna AS prev_dna
FROM agents a
LEFT JOIN inventory_latest l ON l.agent_id = a.id AND l.kind = 'host'
LEFT JOIN inventory_snapshots s ON s.id = l.snapshot_id
LEFT JOIN agent_integrity i ON i.agent_id = a.id
WHERE a.deleted_at IS NULL AND a.last_seen_at IS NOT NULL
  AND (i.agent_id IS NULL OR i.agent_version <> a.agent_version OR i.binary_sha256 <> a.binary_sha256
       OR i.dna IS DISTINCT FROM NULLIF(s.items->'dna', 'null'::jsonb))
ORDER BY a.id
LIMIT $1`

// IntegritySubjects lists at most limit agents the integrity check has to
// judge, across tenants.
func (s *Store) IntegritySubjects(ctx context.Context, limit int) ([]IntegritySubject, error) {
	rows, _ := s.pool.Query(ctx, integritySubjectsSQL, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[IntegritySubject])
	if err != nil {
		return nil, fmt.Errorf("read integrity subjects: %w", err)
	}
	for i := range out {
		if string(out[i].DNA) == "null" {
			out[i].DNA = nil
		}
	}
	return out, nil
}

// IdentityKeys are the identifying facts of a machine the check looks up
// other agents by; "" is a fact the agent does not report.
type IdentityKeys struct {
	ProductUUID, CloudInstanceID, SSHKeys, Disks string
}

// IdentitySharer is another agent of the tenant that shares an identity
// key with the one judged.
type IdentitySharer struct {
	AgentID   uuid.UUID `db:"agent_id"`
	Hostname  string    `db:"hostname"`
	MachineID string    `db:"machine_id"`
	Live      bool      `db:"live"` // not deleted and seen within the window given
	Shared    []string  `db:"shared"`
}

const identitySharersSQL = `SELECT i.agent_id, a.hostname, a.machine_id,
  (a.deleted_at IS NULL AND a.last_seen_at > now() - $7::interval) AS live,
  array_remove(ARRAY[
    CASE WHEN $3 <> '' AND i.product_uuid = $3 THEN 'product_uuid' END,
    CASE WHEN $4 <> '' AND i.cloud_instance_id = $4 THEN 'cloud_instance_id' END,
    CASE WHEN $5 <> '' AND i.ssh_keys_key = $5 THEN 'ssh_host_keys' END,
    CASE WHEN $6 <> '' AND i.disks_key = $6 THEN 'disk_serials' END], NULL) AS shared
FROM agent_integrity i JOIN agents a ON a.id = i.agent_id
WHERE i.tenant_id = $1 AND i.agent_id <> $2
  AND (($3 <> '' AND i.product_uuid = $3) OR ($4 <> '' AND i.cloud_instance_id = $4)
    OR ($5 <> '' AND i.ssh_keys_key = $5) OR ($6 <> '' AND i.disks_key = $6))
ORDER BY live DESC, a.last_seen_at DESC NULLS LAST
LIMIT 20`

// IdentitySharers lists the tenant's other agents that share any of k
// with agentID; live ones (seen within liveWithin) first.
func (s *Store) IdentitySharers(ctx context.Context, tenantID, agentID uuid.UUID, k IdentityKeys, liveWithin time.Duration) ([]IdentitySharer, error) {
	rows, _ := s.pool.Query(ctx, identitySharersSQL, tenantID, agentID, k.ProductUUID, k.CloudInstanceID, k.SSHKeys, k.Disks, liveWithin)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[IdentitySharer])
	if err != nil {
		return nil, fmt.Errorf("read agents sharing an identity: %w", err)
	}
	return out, nil
}

// IntegrityVerdict is what the check concluded about one subject.
type IntegrityVerdict struct {
	Subject     IntegritySubject
	Keys        IdentityKeys
	VersionSeen bool // record agent_version_seen
	Anomalies   []IntegrityAnomaly
}

// IntegrityAnomaly is one anomaly a verdict raises on its agent.
type IntegrityAnomaly struct {
	Kind   string
	Detail map[string]any
}

const upsertIntegritySQL = `INSERT INTO agent_integrity (agent_id, tenant_id, agent_version, binary_sha256, dna,
  product_uuid, cloud_instance_id, ssh_keys_key, disks_key, checked_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
ON CONFLICT (agent_id) DO UPDATE SET agent_version = EXCLUDED.agent_version, binary_sha256 = EXCLUDED.binary_sha256,
  dna = EXCLUDED.dna, product_uuid = EXCLUDED.product_uuid, cloud_instance_id = EXCLUDED.cloud_instance_id,
  ssh_keys_key = EXCLUDED.ssh_keys_key, disks_key = EXCLUDED.disks_key, checked_at = now()`

// RecordIntegrityVerdict moves the agent's integrity row on to what was
// judged, and in the same transaction stores the verdict's anomalies (each
// with its integrity_anomaly_raised audit row) and, when the version was
// seen for the first time or changed, an agent_version_seen audit row.
func (s *Store) RecordIntegrityVerdict(ctx context.Context, v IntegrityVerdict) error {
	sub := v.Subject
	var dna any
	if len(sub.DNA) > 0 {
		dna = string(sub.DNA)
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, upsertIntegritySQL, sub.AgentID, sub.TenantID, sub.Version, sub.BinarySHA256, dna,
			v.Keys.ProductUUID, v.Keys.CloudInstanceID, v.Keys.SSHKeys, v.Keys.Disks); err != nil {
			return fmt.Errorf("record integrity check: %w", err)
		}
		if v.VersionSeen {
			details := map[string]any{"hostname": sub.Hostname, "version": sub.Version, "binary_sha256": sub.BinarySHA256}
			if sub.PrevVersion != "" {
				details["previous_version"] = sub.PrevVersion
			}
			ev := audit.Event{TenantID: sub.TenantID.String(), ActorType: audit.ActorSystem, Type: "agent_version_seen",
				TargetType: "agent", TargetID: sub.AgentID.String(), Details: details}
			if err := recordTx(ctx, tx, &ev); err != nil {
				return err
			}
		}
		for _, a := range v.Anomalies {
			id := newID()
			if _, err := tx.Exec(ctx, insertAnomalySQL, id, sub.TenantID, sub.AgentID, a.Kind, a.Detail, ""); err != nil {
				return fmt.Errorf("insert integrity anomaly: %w", err)
			}
			ev := audit.Event{TenantID: sub.TenantID.String(), ActorType: audit.ActorSystem, Type: "integrity_anomaly_raised",
				TargetType: "integrity_anomaly", TargetID: id.String(), Details: map[string]any{"kind": a.Kind, "agent_id": sub.AgentID.String()}}
			if err := recordTx(ctx, tx, &ev); err != nil {
				return err
			}
		}
		return nil
	})
}
