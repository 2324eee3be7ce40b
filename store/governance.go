package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/governance"
)

const governanceSQL = `SELECT governance FROM agents WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`

// Governance returns the agent's governance record (empty when never set).
func (s *Store) Governance(ctx context.Context, tenantID, agentID uuid.UUID) (governance.Record, error) {
	var raw []byte
	if err := s.pool.QueryRow(ctx, governanceSQL, tenantID, agentID).Scan(&raw); err != nil {
		return governance.Record{}, fmt.Errorf("read governance: %w", mapErr(err))
	}
	return decodeGovernance(raw)
}

func decodeGovernance(raw []byte) (governance.Record, error) {
	r := governance.Record{Tags: []string{}, MaintenanceWindows: []governance.Window{}}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("decode governance: %w", err)
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if r.MaintenanceWindows == nil {
		r.MaintenanceWindows = []governance.Window{}
	}
	return r, nil
}

const lockGovernanceSQL = `SELECT governance FROM agents WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`

const setGovernanceSQL = `UPDATE agents SET governance = $3 WHERE tenant_id = $1 AND id = $2`

// SetGovernance replaces the agent's (validated) governance record and
// records ev (agent_governance_updated) in the same transaction, with the
// fields that changed and their values before.
func (s *Store) SetGovernance(ctx context.Context, tenantID, agentID uuid.UUID, r governance.Record, ev audit.Event) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode governance: %w", err)
	}
	ev.TargetType, ev.TargetID = "agent", agentID.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		var old []byte
		if err := tx.QueryRow(ctx, lockGovernanceSQL, tenantID, agentID).Scan(&old); err != nil {
			return fmt.Errorf("lock governance: %w", mapErr(err))
		}
		before, err := decodeGovernance(old)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, setGovernanceSQL, tenantID, agentID, raw); err != nil {
			return fmt.Errorf("write governance: %w", err)
		}
		ev.Details = governanceDiff(before, r)
		return nil
	})
}

// governanceDiff names the changed fields with their old and new values
// (windows by count: they can be long).
func governanceDiff(before, after governance.Record) map[string]any {
	changed := map[string]any{}
	pair := func(name string, a, b any) {
		ja, _ := json.Marshal(a) // plain values always marshal
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			changed[name] = map[string]any{"before": a, "after": b}
		}
	}
	pair("owner", before.Owner, after.Owner)
	pair("environment", before.Environment, after.Environment)
	pair("criticality", before.Criticality, after.Criticality)
	pair("data_classification", before.DataClassification, after.DataClassification)
	pair("tags", before.Tags, after.Tags)
	wa, _ := json.Marshal(before.MaintenanceWindows)
	wb, _ := json.Marshal(after.MaintenanceWindows)
	if string(wa) != string(wb) {
		changed["maintenance_windows"] = map[string]any{"before": len(before.MaintenanceWindows), "after": len(after.MaintenanceWindows)}
	}
	return map[string]any{"changed": changed}
}
