package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
)

// Registration errors.
var (
	// ErrKeyMismatch: the machine is pinned to another signing key and the
	// request does not prove the pinned key. An anomaly has been recorded.
	ErrKeyMismatch = errors.New("signing key differs from the key pinned for this machine")
	// ErrProofRequired: re-registering a pinned machine needs its agent
	// token or a signature by the pinned key. An anomaly has been recorded.
	ErrProofRequired = errors.New("re-registering this machine needs its agent token or a signature by its pinned key")
	// ErrEnrollmentUsedUp: the enrollment token reached its use limit.
	ErrEnrollmentUsedUp = errors.New("enrollment token is used up")

	// errMachineRaced: the machine was inserted by a concurrent registration
	// after this one looked for it. RegisterAgent retries once.
	errMachineRaced = fmt.Errorf("%w: machine registered concurrently", ErrConflict)
)

// Registration is one POST /agents/register, already authenticated.
type Registration struct {
	TenantID          uuid.UUID
	EnrollmentTokenID *uuid.UUID // set when the bearer was an enrollment token
	CallerAgentID     *uuid.UUID // set when the bearer was an agent token
	MachineID         string
	Hostname          string
	OS, Arch          string
	AgentVersion      string
	Pubkey            []byte // Ed25519 public key offered, nil if none
	NewTokenHash      auth.TokenHash
	SourceIP          string
	// SignedBy reports whether the request carries a valid registration
	// signature by key. It is only asked about keys already pinned.
	SignedBy func(key []byte) bool
	// Audit is the actor and IP of the agent_registered event recorded
	// with a successful registration (no Type needed; none is recorded
	// when ActorType is empty).
	Audit audit.Event
}

// RegistrationResult says what registration did.
type RegistrationResult struct {
	Agent      Agent
	Created    bool // a new agent
	KeyRotated bool // the pinned key was replaced, proven by the old one
}

// decision is the outcome of the registration rules for an existing agent.
type decision int

const (
	allow decision = iota
	allowRotate
	refuseMismatch
	refuseUnproven
)

// decide applies the TOFU rules to a machine that is already enrolled:
// without a pinned key the offered key is pinned; with one, the caller must
// prove it (its agent token or a signature by the pinned key), and a
// different key is accepted only under a signature by the pinned key.
func decide(existing Agent, r Registration) decision {
	pinned := existing.SigningPubkey
	if len(pinned) == 0 {
		return allow
	}
	signed := r.SignedBy != nil && r.SignedBy(pinned)
	if r.Pubkey != nil && !bytes.Equal(r.Pubkey, pinned) {
		if signed {
			return allowRotate
		}
		return refuseMismatch
	}
	if signed || (r.CallerAgentID != nil && *r.CallerAgentID == existing.ID) {
		return allow
	}
	return refuseUnproven
}

const lockAgentByMachineSQL = `SELECT ` + agentColumns + ` FROM agents a
WHERE a.tenant_id = $1 AND a.machine_id = $2 AND a.deleted_at IS NULL FOR UPDATE`

const insertAgentSQL = `INSERT INTO agents (id, tenant_id, machine_id, hostname, os, arch, agent_version,
  token_hash, signing_pubkey, signing_key_pinned_at, enrollment_token_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $9::bytea IS NULL THEN NULL ELSE now() END, $10)`

const retireKeySQL = `INSERT INTO retired_signing_keys (agent_id, tenant_id, pubkey) VALUES ($1, $2, $3)
ON CONFLICT (agent_id, pubkey) DO UPDATE SET retired_at = now()`

const updateRegisteredAgentSQL = `UPDATE agents SET hostname = $3, os = $4, arch = $5, agent_version = $6,
  token_hash = $7,
  signing_key_pinned_at = CASE WHEN $8::bytea IS NOT NULL AND signing_pubkey IS DISTINCT FROM $8 THEN now() ELSE signing_key_pinned_at END,
  signing_pubkey = COALESCE($8, signing_pubkey)
WHERE tenant_id = $1 AND id = $2`

const useEnrollmentSQL = `UPDATE enrollment_tokens SET uses = uses + 1
WHERE id = $1 AND (max_uses IS NULL OR uses < max_uses)`

// RegisterAgent enrolls a machine or re-registers it, idempotently per
// (tenant, machine_id): the same machine always gets the same agent id and
// a fresh token (the old one stops working). Refusals of a pinned key are
// recorded as integrity anomalies before the error returns.
func (s *Store) RegisterAgent(ctx context.Context, r Registration) (RegistrationResult, error) {
	var res RegistrationResult
	var refusal decision
	var refusedAgent uuid.UUID
	register := func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, lockAgentByMachineSQL, r.TenantID, r.MachineID)
		existing, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Agent])
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if err := s.insertAgent(ctx, tx, r, &res); err != nil {
				return err
			}
			return recordRegistration(ctx, tx, r, res)
		case err != nil:
			return fmt.Errorf("lock agent: %w", err)
		}
		if r.CallerAgentID != nil && *r.CallerAgentID != existing.ID {
			return fmt.Errorf("agent token belongs to another machine: %w", ErrConflict)
		}
		switch d := decide(existing, r); d {
		case refuseMismatch, refuseUnproven:
			refusal, refusedAgent = d, existing.ID
			return ErrKeyMismatch // rolls back; replaced below
		case allowRotate:
			res.KeyRotated = true
			if _, err := tx.Exec(ctx, retireKeySQL, existing.ID, r.TenantID, existing.SigningPubkey); err != nil {
				return fmt.Errorf("retire signing key: %w", mapErr(err))
			}
		}
		if _, err := tx.Exec(ctx, updateRegisteredAgentSQL, r.TenantID, existing.ID, r.Hostname, r.OS, r.Arch,
			r.AgentVersion, r.NewTokenHash[:], r.Pubkey); err != nil {
			return fmt.Errorf("update agent: %w", mapErr(err))
		}
		if res.Agent, err = getAgentTx(ctx, tx, r.TenantID, existing.ID); err != nil {
			return err
		}
		return recordRegistration(ctx, tx, r, res)
	}
	err := s.inTx(ctx, register)
	if errors.Is(err, errMachineRaced) {
		// A concurrent registration of the same new machine committed
		// first: this one is now a re-registration of that agent.
		res = RegistrationResult{}
		err = s.inTx(ctx, register)
	}
	if refusal != allow {
		kind, sentinel := "signing_key_mismatch", ErrKeyMismatch
		if refusal == refuseUnproven {
			kind, sentinel = "unproven_reregistration", ErrProofRequired
		}
		detail := map[string]any{"machine_id": r.MachineID, "hostname": r.Hostname}
		if aerr := s.RecordAnomaly(ctx, r.TenantID, &refusedAgent, kind, detail, r.SourceIP); aerr != nil {
			return res, errors.Join(sentinel, aerr)
		}
		return res, sentinel
	}
	if err != nil {
		return RegistrationResult{}, fmt.Errorf("register agent: %w", err)
	}
	return res, nil
}

// recordRegistration writes the agent_registered audit row of a
// registration that succeeded.
func recordRegistration(ctx context.Context, tx pgx.Tx, r Registration, res RegistrationResult) error {
	if r.Audit.ActorType == "" {
		return nil
	}
	ev := r.Audit
	ev.Type, ev.TargetType, ev.TargetID = "agent_registered", "agent", res.Agent.ID.String()
	ev.Details = map[string]any{"machine_id": r.MachineID, "hostname": r.Hostname, "created": res.Created,
		"key_rotated": res.KeyRotated, "key_pinned": len(res.Agent.SigningPubkey) > 0}
	return recordTx(ctx, tx, &ev)
}

func (s *Store) insertAgent(ctx context.Context, tx pgx.Tx, r Registration, res *RegistrationResult) error {
	if r.CallerAgentID != nil {
		return fmt.Errorf("agent token belongs to another machine: %w", ErrConflict)
	}
	if r.EnrollmentTokenID != nil {
		if err := execOne(ctx, tx, ErrEnrollmentUsedUp, "count enrollment use", useEnrollmentSQL, *r.EnrollmentTokenID); err != nil {
			return err
		}
	}
	id := newID()
	if _, err := tx.Exec(ctx, insertAgentSQL, id, r.TenantID, r.MachineID, r.Hostname, r.OS, r.Arch,
		r.AgentVersion, r.NewTokenHash[:], r.Pubkey, r.EnrollmentTokenID); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "agents_machine_key" {
			return errMachineRaced
		}
		return fmt.Errorf("insert agent: %w", mapErr(err))
	}
	var err error
	res.Agent, err = getAgentTx(ctx, tx, r.TenantID, id)
	res.Created = true
	return err
}

func getAgentTx(ctx context.Context, tx pgx.Tx, tenantID, id uuid.UUID) (Agent, error) {
	rows, _ := tx.Query(ctx, agentSQL, tenantID, id)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Agent])
	if err != nil {
		return Agent{}, fmt.Errorf("read agent back: %w", mapErr(err))
	}
	return a, nil
}
