package ingest

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/tsdb"
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
	err := tsdb.RecordBatches(ctx, tx, l.agents, l.batches, l.hashes, l.counts, func(agent, batch uuid.UUID) {
		fresh[l.first[ledgerKey{agent: agent, batch: batch}]] = true
	})
	if err != nil {
		return err
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
	return tsdb.StoredBatches(ctx, tx, oldAgents, oldBatches, func(agent, batch uuid.UUID, hash []byte) {
		i := l.first[ledgerKey{agent: agent, batch: batch}]
		if string(hash) == string(items[i].BodySHA256[:]) {
			results[i] = Result{Duplicate: true}
		} else {
			results[i] = Result{Err: ErrBatchMismatch}
		}
	})
}
