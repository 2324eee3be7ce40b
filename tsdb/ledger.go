package tsdb

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

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
