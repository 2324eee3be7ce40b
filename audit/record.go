package audit

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Event is one security-sensitive action.
type Event struct {
	TenantID   string // uuid of the tenant the action happened in
	ActorType  string // "user", "api_key", "agent" or "system"
	ActorID    string // user/api key/agent id; "" for system
	Type       string // event_type, snake_case, e.g. "login_succeeded", "agent_governance_updated"
	TargetType string // "user", "agent", "api_key", "alert", … ("" when none)
	TargetID   string
	IP         string         // client IP as the api saw it ("" when none)
	Details    map[string]any // small, never secrets
}

// Actor types.
const (
	ActorUser   = "user"
	ActorAPIKey = "api_key"
	ActorAgent  = "agent"
	ActorSystem = "system"
)

// Querier is what Record needs: a pgx.Tx (preferred: the row commits with the action) or a pool.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// beginner is a Querier that can open a transaction (a pool or a conn).
type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// maxDetails bounds the rendered details of one event.
const maxDetails = 8 << 10

// ErrInvalidEvent means an Event is missing a field or has a bad one.
var ErrInvalidEvent = errors.New("invalid audit event")

// Record appends e to the tenant's hash chain. Given a transaction it
// writes inside it; given anything else that can begin one (a pool), it
// runs in a transaction of its own.
func Record(ctx context.Context, q Querier, e Event) error {
	if err := e.validate(); err != nil {
		return err
	}
	if _, isTx := q.(pgx.Tx); !isTx {
		if b, ok := q.(beginner); ok {
			return pgx.BeginFunc(ctx, b, func(tx pgx.Tx) error { return record(ctx, tx, e) })
		}
	}
	return record(ctx, q, e)
}

func (e Event) validate() error {
	if _, err := uuid.Parse(e.TenantID); err != nil {
		return fmt.Errorf("%w: tenant id %q", ErrInvalidEvent, e.TenantID)
	}
	switch e.ActorType {
	case ActorUser, ActorAPIKey, ActorAgent, ActorSystem:
	default:
		return fmt.Errorf("%w: actor type %q", ErrInvalidEvent, e.ActorType)
	}
	if e.Type == "" || len(e.Type) > 63 {
		return fmt.Errorf("%w: event type %q", ErrInvalidEvent, e.Type)
	}
	return nil
}

// lockSQL serializes appends to one tenant's chain until the transaction
// ends, and renders details the way verify will read them back.
const lockSQL = `SELECT pg_advisory_xact_lock($1), $2::jsonb::text`

const headSQL = `SELECT seq, hash FROM audit_heads WHERE tenant_id = $1`

const appendSQL = `WITH ins AS (
  INSERT INTO audit_log (tenant_id, seq, occurred_at, actor_type, actor_id, event_type, target_type, target_id, ip, details, prev_hash, hash)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
  RETURNING tenant_id, seq, hash
)
INSERT INTO audit_heads (tenant_id, seq, hash) SELECT tenant_id, seq, hash FROM ins
ON CONFLICT (tenant_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash`

func record(ctx context.Context, q Querier, e Event) error {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("encode audit details: %w", err)
	}
	if len(raw) > maxDetails {
		return fmt.Errorf("%w: details of %d bytes exceed %d", ErrInvalidEvent, len(raw), maxDetails)
	}
	var rendered string
	if err := q.QueryRow(ctx, lockSQL, lockKey(e.TenantID), string(raw)).Scan(nil, &rendered); err != nil {
		return fmt.Errorf("lock audit chain: %w", err)
	}
	var seq int64
	prev := make([]byte, sha256.Size)
	err = q.QueryRow(ctx, headSQL, e.TenantID).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read audit chain head: %w", err)
	}
	r := Row{TenantID: e.TenantID, Seq: seq + 1, OccurredAt: time.Now().UTC().Truncate(time.Microsecond),
		ActorType: e.ActorType, ActorID: e.ActorID, Type: e.Type, TargetType: e.TargetType, TargetID: e.TargetID,
		IP: e.IP, Details: rendered, PrevHash: prev}
	r.Hash = r.computeHash()
	if _, err := q.Exec(ctx, appendSQL, r.TenantID, r.Seq, r.OccurredAt, r.ActorType, r.ActorID, r.Type,
		r.TargetType, r.TargetID, r.IP, r.Details, r.PrevHash, r.Hash); err != nil {
		return fmt.Errorf("append audit row: %w", err)
	}
	return nil
}

// lockKey is the advisory-lock key of a tenant's chain.
func lockKey(tenantID string) int64 {
	h := fnv.New64a()
	h.Write([]byte("monsys-audit:" + tenantID))
	return int64(h.Sum64())
}
