package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
)

// Session states.
const (
	StatePending    = "pending"
	StateActive     = "active"
	StateEnded      = "ended"
	StateTerminated = "terminated"
	StateFailed     = "failed"
)

// ErrNotFound: no such session (or grant) in the tenant.
var ErrNotFound = errors.New("not found")

// Session is one console session as stored.
type Session struct {
	ID              uuid.UUID  `json:"id"`
	TenantID        uuid.UUID  `json:"-"`
	AgentID         uuid.UUID  `json:"agent_id"`
	UserID          uuid.UUID  `json:"user_id"`
	Reason          string     `json:"reason"`
	State           string     `json:"state"`
	Cols            int        `json:"cols"`
	Rows            int        `json:"rows"`
	MaxSeconds      int        `json:"max_seconds"`
	CreatedAt       time.Time  `json:"created_at"`
	ExpiresAt       time.Time  `json:"expires_at"`
	StartedAt       *time.Time `json:"started_at"`
	EndedAt         *time.Time `json:"ended_at"`
	EndReason       string     `json:"end_reason"`
	ExitStatus      *int       `json:"exit_status"`
	BytesIn         int64      `json:"bytes_in"`
	BytesOut        int64      `json:"bytes_out"`
	RecordingSHA256 string     `json:"recording_sha256"`
	TerminatedBy    *uuid.UUID `json:"terminated_by"`
}

const sessionCols = `id, tenant_id, agent_id, user_id, reason, state, cols, rows, max_seconds, created_at, expires_at,
	started_at, ended_at, end_reason, exit_status, bytes_in, bytes_out, recording_sha256, terminated_by`

func scanSession(row pgx.CollectableRow) (Session, error) {
	var s Session
	err := row.Scan(&s.ID, &s.TenantID, &s.AgentID, &s.UserID, &s.Reason, &s.State, &s.Cols, &s.Rows, &s.MaxSeconds,
		&s.CreatedAt, &s.ExpiresAt, &s.StartedAt, &s.EndedAt, &s.EndReason, &s.ExitStatus, &s.BytesIn, &s.BytesOut,
		&s.RecordingSHA256, &s.TerminatedBy)
	return s, err
}

func (s *Service) insertSession(ctx context.Context, ses Session, browserTicket, agentTicket []byte, ev audit.Event) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit this is a no-op
	_, err = tx.Exec(ctx, `INSERT INTO console_sessions (id, tenant_id, agent_id, user_id, reason, cols, rows, max_seconds, expires_at,
		browser_ticket, agent_ticket) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		ses.ID, ses.TenantID, ses.AgentID, ses.UserID, ses.Reason, ses.Cols, ses.Rows, ses.MaxSeconds, ses.ExpiresAt,
		browserTicket, agentTicket)
	if err != nil {
		return fmt.Errorf("insert console session: %w", err)
	}
	if err := audit.Record(ctx, tx, ev); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// takeTicket spends a session's one-time ticket (which is "browser" or
// "agent"): true once, while the session is pending or active and not expired.
func (s *Service) takeTicket(ctx context.Context, id uuid.UUID, which string, hash []byte) (bool, error) {
	col := "browser_ticket"
	if which == "agent" {
		col = "agent_ticket"
	}
	tag, err := s.pool.Exec(ctx, `UPDATE console_sessions SET `+col+` = '\x00'::bytea
		WHERE id = $1 AND `+col+` = $2 AND state IN ('pending', 'active') AND expires_at > now()`, id, hash)
	if err != nil {
		return false, fmt.Errorf("spend console ticket: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

func (s *Service) markActive(ctx context.Context, id uuid.UUID) error {
	_, err := s.pool.Exec(ctx, `UPDATE console_sessions SET state = 'active', started_at = now() WHERE id = $1 AND state = 'pending'`, id)
	return err
}

func (s *Service) writeChunk(ctx context.Context, tenantID, id uuid.UUID, seq int, data []byte, search string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO console_chunks (session_id, seq, tenant_id, data, search_text) VALUES ($1,$2,$3,$4,$5)`,
		id, seq, tenantID, data, search)
	if err != nil {
		return fmt.Errorf("write recording chunk %d: %w", seq, err)
	}
	return nil
}

// ending is how a session ended.
type ending struct {
	state      string
	reason     string
	exitStatus *int
	by         *uuid.UUID // the admin who terminated it
	sum        string
	in, out    int64
}

// finishSession stores the end and its audit rows in one transaction.
func (s *Service) finishSession(ctx context.Context, ses Session, e ending) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit this is a no-op
	_, err = tx.Exec(ctx, `UPDATE console_sessions SET state = $2, ended_at = now(), end_reason = $3, exit_status = $4,
		bytes_in = $5, bytes_out = $6, recording_sha256 = $7, terminated_by = $8,
		browser_ticket = '\x00'::bytea, agent_ticket = '\x00'::bytea WHERE id = $1`,
		ses.ID, e.state, e.reason, e.exitStatus, e.in, e.out, e.sum, e.by)
	if err != nil {
		return fmt.Errorf("end console session: %w", err)
	}
	details := map[string]any{"agent_id": ses.AgentID.String(), "state": e.state, "reason": e.reason,
		"recording_sha256": e.sum, "bytes_in": e.in, "bytes_out": e.out}
	if e.exitStatus != nil {
		details["exit_status"] = *e.exitStatus
	}
	ev := audit.Event{TenantID: ses.TenantID.String(), ActorType: audit.ActorUser, ActorID: ses.UserID.String(),
		Type: "console_session_ended", TargetType: "console_session", TargetID: ses.ID.String(), Details: details}
	if err := audit.Record(ctx, tx, ev); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Get returns one session of the tenant.
func (s *Service) Get(ctx context.Context, tenantID, id uuid.UUID) (Session, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+sessionCols+` FROM console_sessions WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	ses, err := pgx.CollectExactlyOneRow(rows, scanSession)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	return ses, err
}

// Filter selects sessions for List.
type Filter struct {
	AgentID, UserID *uuid.UUID
	State           string
	Since           *time.Time
	Limit           int
}

// List returns the tenant's sessions, newest first.
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, f Filter) ([]Session, error) {
	q := `SELECT ` + sessionCols + ` FROM console_sessions WHERE tenant_id = $1`
	args := []any{tenantID}
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.AgentID != nil {
		add("agent_id = $%d", *f.AgentID)
	}
	if f.UserID != nil {
		add("user_id = $%d", *f.UserID)
	}
	if f.State != "" {
		add("state = $%d", f.State)
	}
	if f.Since != nil {
		add("created_at >= $%d", *f.Since)
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY created_at DESC, id DESC LIMIT $%d", len(args))
	rows, _ := s.pool.Query(ctx, q, args...)
	return pgx.CollectRows(rows, scanSession)
}

// Search returns the tenant's sessions whose recording shows or holds
// typed text containing q (ignoring case), newest first.
func (s *Service) Search(ctx context.Context, tenantID uuid.UUID, q string, limit int) ([]Session, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
	rows, _ := s.pool.Query(ctx, `SELECT `+sessionCols+` FROM console_sessions cs WHERE tenant_id = $1
		AND EXISTS (SELECT 1 FROM console_chunks c WHERE c.session_id = cs.id AND c.tenant_id = $1 AND c.search_text ILIKE $2)
		ORDER BY created_at DESC, id DESC LIMIT $3`, tenantID, like, limit)
	return pgx.CollectRows(rows, scanSession)
}

// Chunks returns a session's recording chunks in order.
func (s *Service) Chunks(ctx context.Context, tenantID, id uuid.UUID) ([][]byte, error) {
	rows, _ := s.pool.Query(ctx, `SELECT data FROM console_chunks WHERE tenant_id = $1 AND session_id = $2 ORDER BY seq`, tenantID, id)
	return pgx.CollectRows(rows, pgx.RowTo[[]byte])
}

// auditedHash is the recording hash the console_session_ended audit row
// holds ("" when the session has not ended).
func (s *Service) auditedHash(ctx context.Context, tenantID, id uuid.UUID) (string, error) {
	var sum string
	err := s.pool.QueryRow(ctx, `SELECT coalesce(details->>'recording_sha256', '') FROM audit_log
		WHERE tenant_id = $1 AND event_type = 'console_session_ended' AND target_id = $2 ORDER BY seq DESC LIMIT 1`,
		tenantID, id.String()).Scan(&sum)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return sum, err
}

// FailStale marks every pending or active session failed: at a single
// hub's start none of them has a bridge any more (a cluster must not call it).
func (s *Service) FailStale(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `UPDATE console_sessions SET state = 'failed', ended_at = now(),
		end_reason = 'the hub restarted while the session was open', browser_ticket = '\x00'::bytea, agent_ticket = '\x00'::bytea
		WHERE state IN ('pending', 'active')`)
	return err
}
