// Package store keeps monsys's relational data in PostgreSQL: tenants,
// users, memberships, sessions, login challenges, recovery codes,
// password resets, invitations and the mail outbox; API keys, enrollment
// tokens, agents (registration, key pinning, governance, heartbeat) and
// integrity anomalies; inventory snapshots, their searchable items and
// change history, and the latest processes; alerts, their events, alert
// rules and their states; webhooks and their delivery outbox. It is the
// one writer of these tables (migrations/owners_test.go checks it).
//
// Every method that reads or writes a tenant's rows takes the tenant id and
// filters by it, so a caller holding another tenant's id sees ErrNotFound,
// never the row. Secrets arrive already hashed (auth.TokenHash); store never
// sees a plaintext token. SQL lives as constants beside the method that runs
// it. A Store is safe for concurrent use; it borrows the pool it is given
// and does not close it.
//
// # Shared transactions
//
// Where another package's rows must commit with store's, the method takes
// the caller's transaction: the ingest flush writes heartbeats, inventory
// and agents' alerts with RecordAgentReports (agent_reports.go) inside
// the transaction that commits the batch's samples.
//
// # Alert transitions
//
// alert_transitions.go writes every move of an alert between pending,
// firing and resolved, each with its alert_events row (which the webhook
// outbox fans out): agents' alerts, the silent-agent check, alert rules,
// resolving by hand. A new source of alerts (compliance, CVEs, honeypots,
// integrity) raises and resolves keyed alerts with RaiseAlert and
// ResolveAlertKey inside its own transaction, under a source of its own
// and keys with its own prefix.
//
// An UPDATE or DELETE of one row that answers ErrNotFound when it found
// none goes through execOne; an action with an audit row goes through
// audited, which commits both together.
package store
