package ingest

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/store"
)

// AgentReports stores what batches say about their agents besides metrics
// (heartbeat, inventory, alerts) inside the flush's transaction, so that a
// batch commits whole or not at all; *store.Store is the real one: store
// owns those tables.
type AgentReports interface {
	RecordAgentReports(ctx context.Context, tx pgx.Tx, reports []store.AgentReport) error
}

// appendReports adds the report of every agent batch of a flush to dst:
// every agent is marked seen, and the parts of the batches stored now are
// written (a duplicate's were written with its first copy).
func appendReports(dst []store.AgentReport, items []*Pending, fresh []bool) []store.AgentReport {
	for i, it := range items {
		if it.AgentID == nil {
			continue // remote-write by an API key: no agent to report on
		}
		r := store.AgentReport{TenantID: it.TenantID, AgentID: *it.AgentID, Heartbeat: it.Heartbeat}
		if fresh[i] {
			r.Inventory, r.Alerts, r.Events = it.Inventory, it.Alerts, it.Events
		}
		dst = append(dst, r)
	}
	return dst
}
