package topology

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// Source is what the detection worker reads and writes.
type Source interface {
	ChangedTopologyInventory(ctx context.Context, since time.Time) ([]store.AgentInventory, error)
	RecordDetected(ctx context.Context, tenantID uuid.UUID, at time.Time, ws []store.DetectedWrite) error
}

// overlap re-reads inventories sent shortly before the last pass: a
// transaction that stamped seen_at earlier may commit later. Agents
// already processed at that seen_at are skipped, so nothing counts twice.
const overlap = time.Minute

// Worker keeps one Detector per tenant and feeds it the agents whose
// host or sockets inventory arrived since its last pass; the first pass
// reads every agent. Run is one pass (a workers.Job); passes never
// overlap, so the worker needs no lock.
type Worker struct {
	src       Source
	now       func() time.Time
	since     time.Time
	detectors map[uuid.UUID]*Detector
	seen      map[uuid.UUID]time.Time // agent → seen_at of its last processed inventory
}

// NewWorker returns a worker that has seen nothing yet.
func NewWorker(src Source, now func() time.Time) *Worker {
	return &Worker{src: src, now: now, detectors: map[uuid.UUID]*Detector{}, seen: map[uuid.UUID]time.Time{}}
}

// Run is one detection pass.
func (w *Worker) Run(ctx context.Context) error {
	since := w.since
	if !since.IsZero() {
		since = since.Add(-overlap)
	}
	rows, err := w.src.ChangedTopologyInventory(ctx, since)
	if err != nil {
		return fmt.Errorf("detect topology: %w", err)
	}
	at := w.now()
	touched := map[uuid.UUID]map[Key]bool{}
	for _, r := range rows {
		if !r.SeenAt.After(w.seen[r.AgentID]) {
			continue
		}
		w.seen[r.AgentID] = r.SeenAt
		if r.SeenAt.After(w.since) {
			w.since = r.SeenAt
		}
		d := w.detectors[r.TenantID]
		if d == nil {
			d = NewDetector()
			w.detectors[r.TenantID] = d
		}
		keys := touched[r.TenantID]
		if keys == nil {
			keys = map[Key]bool{}
			touched[r.TenantID] = keys
		}
		for _, k := range d.Update(agentOf(r), false) {
			keys[k] = true
		}
		for k := range d.contrib[r.AgentID.String()] { // seen again, changed or not
			keys[k] = true
		}
	}
	for tenant, keys := range touched {
		if err := w.src.RecordDetected(ctx, tenant, at, w.detectors[tenant].writes(keys)); err != nil {
			return fmt.Errorf("detect topology: %w", err)
		}
	}
	return nil
}

// agentOf decodes one agent's inventories; a kind that does not decode
// counts as empty (the agent's collector reported an error instead).
func agentOf(r store.AgentInventory) Agent {
	a := Agent{ID: r.AgentID.String(), Name: r.Hostname}
	var host wire.HostInfo
	if len(r.Host) > 0 && json.Unmarshal(r.Host, &host) == nil {
		a.Addresses = host.Addresses
	}
	if len(r.Sockets) > 0 {
		_ = json.Unmarshal(r.Sockets, &a.Sockets) // a malformed list is no sockets
	}
	return a
}

// writes are the current state of the given edges; vanished ones are
// left as stored (their last_seen says when they were last seen).
func (d *Detector) writes(keys map[Key]bool) []store.DetectedWrite {
	out := make([]store.DetectedWrite, 0, len(keys))
	for k := range keys {
		e := d.Edge(k)
		if e.Flows == 0 {
			continue
		}
		w := store.DetectedWrite{Peer: e.Peer, Proto: e.Proto, Port: e.Port, Service: e.Service, NAT: e.NAT, Flows: e.Flows}
		var ok bool
		if w.From, ok = parseID(e.From); !ok {
			continue
		}
		if w.To, ok = parseID(e.To); !ok {
			continue
		}
		out = append(out, w)
	}
	return out
}

func parseID(s string) (*uuid.UUID, bool) {
	if s == "" {
		return nil, true
	}
	id, err := uuid.Parse(s)
	return &id, err == nil
}
