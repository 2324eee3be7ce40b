// Package mail delivers the hub's email (password resets, invitations).
//
// Messages are never sent from a request: the request's transaction puts
// them in the outbox table, and Outbox.Run, a periodic job, leases due
// messages, hands each to a Sender and marks it sent or schedules a retry
// with exponential backoff (30 s doubling to 1 h, 10 attempts). A lease
// hides a message from other hubs while one sends it; a hub that dies
// mid-send lets another retry after the lease, so delivery is at least
// once.
//
// SMTP speaks to MONSYS_SMTP_URL (smtp://user:pass@host:port, STARTTLS
// whenever the server offers it, PLAIN auth only over TLS or to
// localhost; smtps:// for implicit TLS). Without SMTP configured, Log
// writes each message, link included, to the hub's log for the operator.
package mail
