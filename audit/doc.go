// Package audit keeps the append-only, hash-chained log of
// security-sensitive actions.
//
// Record appends one Event inside the caller's transaction, so the audit
// row commits or rolls back with the action it describes. Each tenant has
// its own chain: row n stores hash(n-1) as prev_hash and
// hash(n) = sha256(hash(n-1) || canonical bytes of row n), with the zero
// hash before the first row. Appends to one chain are serialized by a
// transaction-scoped advisory lock keyed by the tenant, so concurrent
// writers never fork a chain; the head (last seq and hash) is kept in
// audit_heads so that rows cut off the end are noticed too.
//
// The table refuses UPDATE, DELETE and TRUNCATE through a trigger for every
// role that does not disable triggers (only a superuser can, with
// session_replication_role = replica). Verify recomputes a chain and
// reports the first row whose stored hash, link or position does not
// match: an edit or deletion by such a superuser is detected.
//
// The canonical bytes of a row (see canonical) are a version tag followed
// by length-prefixed fields: tenant id, seq, occurred_at in Unix
// microseconds, actor type and id, event type, target type and id, IP,
// and details rendered as PostgreSQL's jsonb text, which is deterministic
// for a given value. Details must be small and never hold secrets.
//
// Functions here are safe for concurrent use; they hold no state.
package audit
