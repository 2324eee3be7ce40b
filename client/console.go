package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// ConsoleSession is one emergency console session (GET /console/sessions).
type ConsoleSession struct {
	Raw
	ID              string     `json:"id"`
	AgentID         string     `json:"agent_id"`
	UserID          string     `json:"user_id"`
	Reason          string     `json:"reason"`
	State           string     `json:"state"`
	CreatedAt       time.Time  `json:"created_at"`
	EndedAt         *time.Time `json:"ended_at"`
	EndReason       string     `json:"end_reason"`
	ExitStatus      *int       `json:"exit_status"`
	BytesIn         int64      `json:"bytes_in"`
	BytesOut        int64      `json:"bytes_out"`
	RecordingSHA256 string     `json:"recording_sha256"`
}

// ConsoleQuery narrows ConsoleSessions.
type ConsoleQuery struct {
	AgentID, UserID, State string
	Since                  time.Time // zero: unbounded
	Limit                  int       // 0: the hub's page (50)
}

// ConsoleSessions lists the tenant's console sessions, newest first.
func (c *Client) ConsoleSessions(ctx context.Context, cq ConsoleQuery) (List[ConsoleSession], error) {
	q := url.Values{}
	setIf(q, "agent_id", cq.AgentID)
	setIf(q, "user_id", cq.UserID)
	setIf(q, "state", cq.State)
	if !cq.Since.IsZero() {
		q.Set("since", cq.Since.UTC().Format(time.RFC3339))
	}
	return listAll[ConsoleSession](ctx, c, "/console/sessions", q, cq.Limit)
}

// RecordingCheck says whether a recording matches its audited hash.
type RecordingCheck struct {
	Raw
	OK       bool   `json:"ok"`
	Computed string `json:"computed_sha256"`
	Audited  string `json:"audited_sha256"`
}

// VerifyRecording has the hub rehash a session's recording.
func (c *Client) VerifyRecording(ctx context.Context, id string) (RecordingCheck, error) {
	var r RecordingCheck
	err := c.get(ctx, "/console/sessions/"+url.PathEscape(id)+"/recording", url.Values{"verify": {"1"}}, &r)
	return r, err
}

// TerminateConsole ends a live session (admin).
func (c *Client) TerminateConsole(ctx context.Context, id string) error {
	return c.send(ctx, http.MethodDelete, "/console/sessions/"+url.PathEscape(id), nil, nil, nil)
}
