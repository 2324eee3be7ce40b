package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// Agent is one enrolled machine.
type Agent struct {
	ID                 uuid.UUID  `db:"id"`
	TenantID           uuid.UUID  `db:"tenant_id"`
	MachineID          string     `db:"machine_id"`
	Hostname           string     `db:"hostname"`
	OS                 string     `db:"os"`
	Arch               string     `db:"arch"`
	AgentVersion       string     `db:"agent_version"`
	SigningPubkey      []byte     `db:"signing_pubkey"`
	SigningKeyPinnedAt *time.Time `db:"signing_key_pinned_at"`
	HeartbeatIntervalS int32      `db:"heartbeat_interval_s"`
	UptimeS            *int64     `db:"uptime_s"`
	RegisteredAt       time.Time  `db:"registered_at"`
	LastSeenAt         *time.Time `db:"last_seen_at"`
	Status             string     `db:"status"`
}

// Agent statuses, derived from the last time the agent was heard from.
const (
	StatusPending = "pending" // registered, never reported
	StatusOnline  = "online"  // heard from within 3 expected intervals
	StatusOffline = "offline" // silent for longer
)

// statusExpr derives an agent's status at query time, so it is never stale.
const statusExpr = `CASE WHEN a.last_seen_at IS NULL THEN 'pending'
  WHEN a.last_seen_at >= now() - make_interval(secs => a.heartbeat_interval_s * 3) THEN 'online'
  ELSE 'offline' END`

const agentColumns = `a.id, a.tenant_id, a.machine_id, a.hostname, a.os, a.arch, a.agent_version,
  a.signing_pubkey, a.signing_key_pinned_at, a.heartbeat_interval_s, a.uptime_s, a.registered_at,
  a.last_seen_at, ` + statusExpr + ` AS status`

const agentSQL = `SELECT ` + agentColumns + ` FROM agents a
WHERE a.tenant_id = $1 AND a.id = $2 AND a.deleted_at IS NULL`

// Agent returns one live agent of the tenant.
func (s *Store) Agent(ctx context.Context, tenantID, id uuid.UUID) (Agent, error) {
	rows, _ := s.pool.Query(ctx, agentSQL, tenantID, id)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Agent])
	if err != nil {
		return Agent{}, fmt.Errorf("get agent: %w", mapErr(err))
	}
	return a, nil
}

const agentByTokenSQL = `SELECT ` + agentColumns + ` FROM agents a
WHERE a.token_hash = $1 AND a.deleted_at IS NULL`

// AgentByToken returns the live agent whose token has that hash.
func (s *Store) AgentByToken(ctx context.Context, hash auth.TokenHash) (Agent, error) {
	rows, _ := s.pool.Query(ctx, agentByTokenSQL, hash[:])
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Agent])
	if err != nil {
		return Agent{}, fmt.Errorf("get agent by token: %w", mapErr(err))
	}
	return a, nil
}

// AgentFilter narrows an agent listing. Zero fields do not filter.
type AgentFilter struct {
	Status    string        // pending, online or offline
	Hostname  string        // case-insensitive, matched as HostMatch says
	HostMatch HostnameMatch // how Hostname matches; the zero value is a substring
	OS        string        // operating system as the agent registered (linux) or its host inventory names it (ubuntu), ignoring case
	Tag       string        // a governance tag the agent carries
	// Environment is the governance environment (production, staging …).
	Environment string
	After       *AgentCursor
	Limit       int
}

// HostnameMatch is how AgentFilter.Hostname matches a hostname, always
// ignoring case.
type HostnameMatch int

const (
	HostnameSubstring HostnameMatch = iota // anywhere in the hostname
	HostnamePrefix                         // at its start: shell completion
	HostnameExact                          // the whole hostname: naming a host
)

// hostnamePattern is the ILIKE pattern for f's hostname filter.
func (f AgentFilter) hostnamePattern() string {
	if f.Hostname == "" {
		return ""
	}
	p := escapeLike(f.Hostname)
	switch f.HostMatch {
	case HostnamePrefix:
		return p + "%"
	case HostnameExact:
		return p
	}
	return "%" + p + "%"
}

// AgentCursor is the position after the last agent of a page: listings are
// ordered by hostname, then id.
type AgentCursor struct {
	Hostname string    `json:"h"`
	ID       uuid.UUID `json:"i"`
}

const listAgentsSQL = `SELECT ` + agentColumns + ` FROM agents a
WHERE a.tenant_id = $1 AND a.deleted_at IS NULL
  AND ($2 = '' OR ` + statusExpr + ` = $2)
  AND ($3 = '' OR a.hostname ILIKE $3 ESCAPE '\')
  AND ($4::text IS NULL OR (a.hostname, a.id) > ($4, $5::uuid))
  AND ($7 = '' OR lower(a.os) = lower($7) OR EXISTS (SELECT 1 FROM inventory_latest l
        JOIN inventory_snapshots s ON s.id = l.snapshot_id
        WHERE l.agent_id = a.id AND l.kind = 'host' AND lower(s.items ->> 'platform') = lower($7)))
  AND ($8 = '' OR a.governance -> 'tags' ? $8)
  AND ($9 = '' OR a.governance ->> 'environment' = $9)
ORDER BY a.hostname, a.id LIMIT $6`

// Agents lists a tenant's live agents.
func (s *Store) Agents(ctx context.Context, tenantID uuid.UUID, f AgentFilter) ([]Agent, error) {
	var afterHost *string
	var afterID *uuid.UUID
	if f.After != nil {
		afterHost, afterID = &f.After.Hostname, &f.After.ID
	}
	rows, _ := s.pool.Query(ctx, listAgentsSQL, tenantID, f.Status, f.hostnamePattern(), afterHost, afterID, f.Limit,
		f.OS, f.Tag, f.Environment)
	agents, err := pgx.CollectRows(rows, pgx.RowToStructByName[Agent])
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return agents, nil
}

// escapeLike makes s match literally inside a LIKE pattern.
func escapeLike(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%', '_', '\\':
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}

const heartbeatSQL = `UPDATE agents SET last_seen_at = now(), uptime_s = $3,
  agent_version = CASE WHEN $4 = '' THEN agent_version ELSE $4 END,
  heartbeat_interval_s = COALESCE($5, heartbeat_interval_s),
  binary_sha256 = CASE WHEN $6 = '' THEN binary_sha256 ELSE $6 END
WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`

// Heartbeat records that an agent is alive. intervalS, when set, is the
// agent's own reporting interval in seconds.
func (s *Store) Heartbeat(ctx context.Context, tenantID, id uuid.UUID, hb wire.Heartbeat, intervalS *int32) error {
	return execOne(ctx, s.pool, ErrNotFound, "record heartbeat", heartbeatSQL, tenantID, id, hb.UptimeS, hb.AgentVersion, intervalS, hb.BinarySHA256)
}

const deleteAgentSQL = `UPDATE agents SET deleted_at = now(), token_hash = NULL
WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`

// DeleteAgent retires an agent: its token stops working at once and it
// leaves every listing. The row and its time series stay until retention
// removes the data, so history keeps its owner; the same machine enrolling
// again becomes a new agent.
func (s *Store) DeleteAgent(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "agent", id.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "delete agent", deleteAgentSQL, tenantID, id)
	})
}

const rotateAgentTokenSQL = `UPDATE agents SET token_hash = $3 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`

// RotateAgentToken gives an agent a new token; the old one stops working
// at once. ev is agent_token_rotated.
func (s *Store) RotateAgentToken(ctx context.Context, tenantID, id uuid.UUID, hash auth.TokenHash, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "agent", id.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		return execOne(ctx, tx, ErrNotFound, "rotate agent token", rotateAgentTokenSQL, tenantID, id, hash[:])
	})
}

const clearSigningKeySQL = `WITH old AS (SELECT signing_pubkey FROM agents WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE),
retired AS (
  INSERT INTO retired_signing_keys (agent_id, tenant_id, pubkey)
  SELECT $2, $1, signing_pubkey FROM old WHERE signing_pubkey IS NOT NULL
  ON CONFLICT (agent_id, pubkey) DO UPDATE SET retired_at = now()
)
UPDATE agents a SET signing_pubkey = NULL, signing_key_pinned_at = NULL FROM old
WHERE a.tenant_id = $1 AND a.id = $2 RETURNING old.signing_pubkey IS NOT NULL`

// ClearSigningKey unpins an agent's signing key so that its next
// registration pins a new one (trust on first use again). ev is
// agent_signing_key_cleared.
func (s *Store) ClearSigningKey(ctx context.Context, tenantID, id uuid.UUID, ev audit.Event) error {
	ev.TargetType, ev.TargetID = "agent", id.String()
	return s.audited(ctx, &ev, func(tx pgx.Tx) error {
		var had bool
		if err := tx.QueryRow(ctx, clearSigningKeySQL, tenantID, id).Scan(&had); err != nil {
			return fmt.Errorf("clear signing key: %w", mapErr(err))
		}
		ev.Details = map[string]any{"had_key": had}
		return nil
	})
}

const retiredKeysSQL = `SELECT pubkey FROM retired_signing_keys WHERE tenant_id = $1 AND agent_id = $2 ORDER BY retired_at DESC LIMIT 16`

// RetiredSigningKeys are the keys the agent was pinned to before, newest
// first.
func (s *Store) RetiredSigningKeys(ctx context.Context, tenantID, agentID uuid.UUID) ([][]byte, error) {
	rows, _ := s.pool.Query(ctx, retiredKeysSQL, tenantID, agentID)
	keys, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("read retired signing keys: %w", err)
	}
	return keys, nil
}

const openAnomalyOfKindSQL = `SELECT EXISTS (SELECT 1 FROM integrity_anomalies
WHERE tenant_id = $1 AND agent_id = $2 AND kind = $3 AND resolved_at IS NULL)`

// HasOpenAnomaly says whether the agent has an unresolved anomaly of kind.
func (s *Store) HasOpenAnomaly(ctx context.Context, tenantID, agentID uuid.UUID, kind string) (bool, error) {
	var open bool
	if err := s.pool.QueryRow(ctx, openAnomalyOfKindSQL, tenantID, agentID, kind).Scan(&open); err != nil {
		return false, fmt.Errorf("read integrity anomalies: %w", err)
	}
	return open, nil
}
