package ingest

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

type ledgerKey struct {
	agent uuid.UUID
	batch [16]byte
}

// ledgerScratch is reused across flushes of one flusher.
type ledgerScratch struct {
	first   map[ledgerKey]int
	agents  []uuid.UUID
	batches []uuid.UUID
	hashes  [][]byte
	counts  []int32
	index   []int
}

const insertLedgerSQL = `INSERT INTO ingest_batches (agent_id, batch_id, body_sha256, samples)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bytea[], $4::int[])
ON CONFLICT (agent_id, batch_id) DO NOTHING
RETURNING agent_id, batch_id`

const storedLedgerSQL = `SELECT agent_id, batch_id, body_sha256 FROM ingest_batches
WHERE (agent_id, batch_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`

// record writes the ledger rows of a flush and decides each item's fate:
// fresh (its rows are written now), duplicate of a stored or an earlier
// item with the same body, or a mismatch (same id, other body). Items
// without a batch id (remote-write) are always fresh.
func (l *ledgerScratch) record(ctx context.Context, tx pgx.Tx, items []*Pending) ([]Result, []bool, error) {
	results := make([]Result, len(items))
	fresh := make([]bool, len(items))
	if l.first == nil {
		l.first = make(map[ledgerKey]int)
	}
	clear(l.first)
	l.agents, l.batches, l.hashes, l.counts, l.index = l.agents[:0], l.batches[:0], l.hashes[:0], l.counts[:0], l.index[:0]
	dupOf := make(map[int]int)
	for i, it := range items {
		if !it.HasBatchID || it.AgentID == nil {
			fresh[i] = true
			continue
		}
		k := ledgerKey{agent: *it.AgentID, batch: it.Batch.BatchID}
		if j, ok := l.first[k]; ok {
			dupOf[i] = j
			continue
		}
		l.first[k] = i
		l.agents = append(l.agents, k.agent)
		l.batches = append(l.batches, uuid.UUID(k.batch))
		l.hashes = append(l.hashes, it.BodySHA256[:])
		l.counts = append(l.counts, int32(it.Batch.SampleCount()))
		l.index = append(l.index, i)
	}
	if len(l.index) > 0 {
		if err := l.insert(ctx, tx, items, fresh, results); err != nil {
			return nil, nil, err
		}
	}
	for i, j := range dupOf {
		switch {
		case items[i].BodySHA256 != items[j].BodySHA256:
			results[i] = Result{Err: ErrBatchMismatch}
		case results[j].Err != nil:
			results[i] = results[j]
		default:
			results[i] = Result{Duplicate: true}
		}
	}
	return results, fresh, nil
}

func (l *ledgerScratch) insert(ctx context.Context, tx pgx.Tx, items []*Pending, fresh []bool, results []Result) error {
	rows, err := tx.Query(ctx, insertLedgerSQL, l.agents, l.batches, l.hashes, l.counts)
	if err != nil {
		return fmt.Errorf("insert ledger: %w", err)
	}
	var agent, batch uuid.UUID
	_, err = pgx.ForEachRow(rows, []any{&agent, &batch}, func() error {
		fresh[l.first[ledgerKey{agent: agent, batch: batch}]] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert ledger: %w", err)
	}
	var oldAgents, oldBatches []uuid.UUID
	for _, i := range l.index {
		if !fresh[i] {
			oldAgents = append(oldAgents, *items[i].AgentID)
			oldBatches = append(oldBatches, uuid.UUID(items[i].Batch.BatchID))
		}
	}
	if len(oldAgents) == 0 {
		return nil
	}
	rows, err = tx.Query(ctx, storedLedgerSQL, oldAgents, oldBatches)
	if err != nil {
		return fmt.Errorf("read ledger: %w", err)
	}
	var hash []byte
	_, err = pgx.ForEachRow(rows, []any{&agent, &batch, &hash}, func() error {
		i := l.first[ledgerKey{agent: agent, batch: batch}]
		if string(hash) == string(items[i].BodySHA256[:]) {
			results[i] = Result{Duplicate: true}
		} else {
			results[i] = Result{Err: ErrBatchMismatch}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read ledger: %w", err)
	}
	return nil
}
