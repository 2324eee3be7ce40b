package webhook

import (
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
)

// Payload is the body of a delivery, in the Standard Webhooks shape.
type Payload struct {
	Type      string    `json:"type"` // alert.pending, alert.firing or alert.resolved
	Timestamp time.Time `json:"timestamp"`
	Data      AlertData `json:"data"`
}

// AlertData is the alert an event is about, as of the event.
type AlertData struct {
	EventID     int64      `json:"event_id"`
	AlertID     uuid.UUID  `json:"alert_id"`
	TenantID    uuid.UUID  `json:"tenant_id"`
	AgentID     *uuid.UUID `json:"agent_id,omitempty"`
	Hostname    string     `json:"hostname,omitempty"`
	Source      string     `json:"source"`
	Key         string     `json:"key"`
	State       string     `json:"state"`
	Severity    string     `json:"severity"`
	Summary     string     `json:"summary"`
	StartedAt   time.Time  `json:"started_at"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	ResolveNote string     `json:"resolve_note,omitempty"`
}

func newPayload(d store.DueDelivery) Payload {
	p := Payload{Type: "alert." + d.EventState, Timestamp: d.EventAt.UTC(), Data: AlertData{
		EventID: d.EventID, AlertID: d.AlertID, TenantID: d.TenantID, AgentID: d.AgentID, Source: d.Source,
		Key: d.Key, State: d.EventState, Severity: d.Severity, Summary: d.Summary, StartedAt: d.StartedAt.UTC(),
	}}
	if d.Hostname != nil {
		p.Data.Hostname = *d.Hostname
	}
	if d.EventState == store.AlertResolved && d.ResolvedAt != nil {
		r := d.ResolvedAt.UTC()
		p.Data.ResolvedAt, p.Data.ResolveNote = &r, d.ResolveNote
	}
	return p
}
