// Package ingest turns bodies of samples into committed rows: size cap →
// signature → decompression → decode → validation → series resolution →
// sharded ring → flushers (one transaction each) → acknowledgement.
//
// # One front door
//
// Service.Accept is the only entry, for every format (the agent protocol,
// Prometheus remote-write; a new source adds a Format and its decoder):
// it runs the steps above in that order, owns the pool of per-request
// memory (decoded body, Batch, Pending), counts each refusal by reason in
// monsys_ingest_rejects_total, and answers after the commit of the flush
// that holds the batch. Its errors are refusals whose message is what the
// client is told (ErrTooLarge, ErrUnsupportedEncoding, ErrCorrupt,
// *SignatureError, *SyntaxError, *FieldError, FieldErrors,
// ErrBatchMismatch, ErrUnstorable) or the hub's trouble, worth a retry (ErrOverloaded,
// ErrClosed, ErrStorage, ErrAbandoned); the API's error handler maps them.
// The bounds of a request (ServiceConfig) have their defaults in one place.
//
// # When storage cannot commit
//
// A flush that fails for a fault of the database's (tsdb.FaultOf: down,
// shutting down, disk full, read-only, …) shuts the pipeline's gate
// (gate.go): Submit refuses batches with ErrStorage at once instead of
// queueing them for a database that cannot take them, and lets one
// through every probeEvery (1 s) whose flush tells whether storage commits
// again; the first commit opens the gate. Pipeline.Storage reports the
// state for health checks. A slow database is bounded differently: Accept
// waits at most ServiceConfig.MaxWait for resolution and commit, then
// answers ErrAbandoned (the batch may still commit; its id makes the retry
// harmless), and a full ring answers ErrOverloaded.
//
// At shutdown Service.Drain refuses new bodies with ErrClosed while the
// calls under way reach their commit; Pipeline.Close then commits what the
// rings still hold.
//
// # Ownership of a batch
//
// A Batch belongs to one request from decode until Submit returns. If the
// request's context ends first, the batch stays queued and the pipeline
// owns it until its flush answers: Accept then leaves its memory out of
// the pool instead of reusing it (Pipeline.Submit says the rule).
//
// # Tables
//
// ingest writes no table itself. A flush commits, in one transaction, the
// ledger and the samples through tsdb and what the batches say about
// their agents (heartbeat, inventory, alerts) through AgentReports, whose
// real implementation is store's: each table has one owner
// (migrations/owners_test.go).
//
// # What a batch may hold
//
// Text anywhere in a batch is storable (textcheck); inventory parts follow
// their kind's schema and alerts theirs, with bounds on counts and string
// lengths (parts_schema.go). A batch that storage still refuses for a
// value (store.Unstorable) answers ErrUnstorable, 422, and never fails its
// flush group: the group is flushed again batch by batch (flush.go), each
// batch still answered only after its own commit.
//
// # Memory
//
// Service owns a Budget of bytes all requests hold at once for bodies,
// decompression and decoding: every buffer is charged before it is
// allocated, a request past it answers ErrOverloaded (503) at once, and
// the memory goes back to the OS after a burst (budget.go).
//
// The decoder (decode.go: the batch grammar over the scanner of
// jsonscan.go and jsonnum.go) writes straight into a columnar Batch and
// allocates nothing per sample once the Batch's buffers have grown.
package ingest
