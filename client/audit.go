package client

import (
	"context"
	"encoding/json"
	"net/url"
	"time"
)

// AuditEvent is one row of the tenant's audit log (GET /audit-log).
type AuditEvent struct {
	Raw
	ID         int64           `json:"id"`
	Seq        int64           `json:"seq"`
	OccurredAt time.Time       `json:"occurred_at"`
	ActorType  string          `json:"actor_type"`
	ActorID    string          `json:"actor_id"`
	EventType  string          `json:"event_type"`
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	IP         string          `json:"ip"`
	Details    json.RawMessage `json:"details"`
}

// AuditQuery narrows AuditLog.
type AuditQuery struct {
	Since, Until time.Time // zero: unbounded
	Type         string    // event type, e.g. login_failed
	Actor        string    // actor id
	Target       string    // target id
	Limit        int       // 0: all
}

// AuditLog lists the tenant's audit log, newest first.
func (c *Client) AuditLog(ctx context.Context, aq AuditQuery) (List[AuditEvent], error) {
	q := url.Values{}
	if !aq.Since.IsZero() {
		q.Set("since", aq.Since.UTC().Format(time.RFC3339Nano))
	}
	if !aq.Until.IsZero() {
		q.Set("until", aq.Until.UTC().Format(time.RFC3339Nano))
	}
	setIf(q, "type", aq.Type)
	setIf(q, "actor", aq.Actor)
	setIf(q, "target", aq.Target)
	return listAll[AuditEvent](ctx, c, "/audit-log", q, aq.Limit)
}

// AuditReport is the outcome of recomputing the audit hash chain.
type AuditReport struct {
	Raw
	OK          bool        `json:"ok"`
	Checked     int64       `json:"checked"`
	FirstBroken *AuditBreak `json:"first_broken"`
}

// AuditBreak is the first row where the chain does not hold.
type AuditBreak struct {
	ID     int64  `json:"id"`
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// VerifyAuditLog has the hub recompute the tenant's audit hash chain.
func (c *Client) VerifyAuditLog(ctx context.Context) (AuditReport, error) {
	var r AuditReport
	err := c.get(ctx, "/audit-log/verify", nil, &r)
	return r, err
}
