package tsdb

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The ingest ledger, ingest_batches: one row per committed agent batch
// (agent, batch id, SHA-256 of its body as sent, sample count), written in
// the flush transaction that commits the batch's rows, so a batch id is
// stored exactly when its samples are. Ingest decides from it which
// batches of a flush are new, repeated or a reused id.

const insertLedgerSQL = `INSERT INTO ingest_batches (agent_id, batch_id, body_sha256, samples)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bytea[], $4::int[])
ON CONFLICT (agent_id, batch_id) DO NOTHING
RETURNING agent_id, batch_id`

// RecordBatches inserts in tx one ledger row per position of the columns
// (agents, batches, body hashes, sample counts) and calls inserted for
// each row that was new; a batch id stored before is left as it was.
func RecordBatches(ctx context.Context, tx pgx.Tx, agents, batches []uuid.UUID, hashes [][]byte, counts []int32,
	inserted func(agent, batch uuid.UUID)) error {
	rows, err := tx.Query(ctx, insertLedgerSQL, agents, batches, hashes, counts)
	if err != nil {
		return fmt.Errorf("insert ledger: %w", err)
	}
	var agent, batch uuid.UUID
	_, err = pgx.ForEachRow(rows, []any{&agent, &batch}, func() error {
		inserted(agent, batch)
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert ledger: %w", err)
	}
	return nil
}

const storedLedgerSQL = `SELECT agent_id, batch_id, body_sha256 FROM ingest_batches
WHERE (agent_id, batch_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`

// StoredBatches reads in tx the body hash stored for each (agent, batch)
// pair of the columns that has a ledger row, calling each with it; hash
// is valid only during the call.
func StoredBatches(ctx context.Context, tx pgx.Tx, agents, batches []uuid.UUID, each func(agent, batch uuid.UUID, hash []byte)) error {
	rows, err := tx.Query(ctx, storedLedgerSQL, agents, batches)
	if err != nil {
		return fmt.Errorf("read ledger: %w", err)
	}
	var agent, batch uuid.UUID
	var hash []byte
	_, err = pgx.ForEachRow(rows, []any{&agent, &batch, &hash}, func() error {
		each(agent, batch, hash)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read ledger: %w", err)
	}
	return nil
}

const pruneLedgerSQL = `DELETE FROM ingest_batches WHERE committed_at < $1`

// PruneLedger forgets batch ids committed before cutoff. Keep them longer
// than any agent retries a batch (the agent's spool horizon), or a late
// retry would be stored twice.
func PruneLedger(ctx context.Context, pool *pgxpool.Pool, cutoff time.Time) (int64, error) {
	tag, err := pool.Exec(ctx, pruneLedgerSQL, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune ingest ledger: %w", err)
	}
	return tag.RowsAffected(), nil
}
