package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
)

// flushState is one flusher's reusable scratch.
type flushState struct {
	items   []*Pending
	rows    tsdb.SampleRows
	copy    []byte
	ledger  ledgerScratch
	reports []store.AgentReport
}

// runFlusher drains one shard: wait for work, gather up to FlushRows rows
// (lingering briefly for more), commit them in one transaction, answer.
// After the shard closes it keeps flushing until the shard is empty.
func (p *Pipeline) runFlusher(ctx context.Context, s *shard) {
	var st flushState
	linger := time.NewTimer(p.cfg.FlushLinger)
	defer linger.Stop()
	for {
		rows, batches := s.depth()
		if batches == 0 {
			if s.isClosed() {
				return
			}
			select {
			case <-s.wake:
			case <-ctx.Done():
				return
			}
			continue
		}
		if rows < p.cfg.FlushRows && !s.isClosed() {
			linger.Reset(p.cfg.FlushLinger)
			select {
			case <-linger.C:
			case <-s.wake: // more arrived; gather what is there now
			}
		}
		var n int
		st.items, n = s.take(st.items[:0], p.cfg.FlushRows)
		p.flushAndAnswer(ctx, &st, n)
	}
}

func (p *Pipeline) flushAndAnswer(ctx context.Context, st *flushState, rows int) {
	start := time.Now()
	results, err := p.flush(ctx, st)
	elapsed := time.Since(start)
	p.metrics.flushDuration.Observe(elapsed.Seconds())
	p.metrics.flushRows.Observe(float64(rows))
	switch {
	case err == nil:
		if was := p.gate.committed(); was.Fault != "" {
			p.log.Info("storage commits again", "fault", was.Fault, "failing_for", time.Since(was.Since).Round(time.Millisecond))
		}
		for i, it := range st.items {
			p.answer(it, results[i])
		}
	case store.Unstorable(err):
		p.isolate(ctx, st, err)
	default:
		p.metrics.flushErrors.Inc()
		fault := p.gate.failed(err)
		p.log.Warn("flush failed; its batches were refused with 503", "batches", len(st.items), "rows", rows, "fault", fault, "err", err)
		for _, it := range st.items {
			it.done <- Result{Err: fmt.Errorf("%w: %v", ErrStorage, err)}
		}
	}
	clear(st.items)
}

// answer hands a committed flush's result to its batch, counting it.
func (p *Pipeline) answer(it *Pending, r Result) {
	switch {
	case r.Err != nil:
		p.metrics.rejects.WithLabelValues("batch_mismatch").Inc()
	case r.Duplicate:
		p.metrics.batches.WithLabelValues("duplicate").Inc()
	default:
		p.metrics.batches.WithLabelValues("accepted").Inc()
		p.metrics.samples.Add(float64(it.Batch.SampleCount()))
	}
	it.done <- r
}

// isolate answers a group that storage refused for its content (err):
// each batch is flushed again on its own, so the one that holds the value
// is refused with ErrUnstorable (422: a retry would fail the same way)
// and the others commit, each still answered only after its commit.
func (p *Pipeline) isolate(ctx context.Context, st *flushState, groupErr error) {
	group := append([]*Pending(nil), st.items...)
	defer clear(st.items[:len(group)])
	for _, it := range group {
		st.items = append(st.items[:0], it)
		err := groupErr
		var results []Result
		if len(group) > 1 {
			results, err = p.flush(ctx, st)
		}
		switch {
		case err == nil:
			p.answer(it, results[0])
		case store.Unstorable(err):
			p.metrics.rejects.WithLabelValues("unstorable").Inc()
			p.log.Info("storage refused a batch for its content; answered 422", "err", err)
			it.done <- Result{Err: fmt.Errorf("%w: %v", ErrUnstorable, err)}
		default:
			p.metrics.flushErrors.Inc()
			p.gate.failed(err)
			it.done <- Result{Err: fmt.Errorf("%w: %v", ErrStorage, err)}
		}
	}
}

// flush commits one group of batches in one transaction: the dedup ledger
// first (tsdb), then the samples of the batches that are new (tsdb), then
// what they say about their agents (AgentReports: store). Nothing is
// answered before COMMIT.
func (p *Pipeline) flush(ctx context.Context, st *flushState) ([]Result, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	var results []Result
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var fresh []bool
		results, fresh, err = st.ledger.record(ctx, tx, st.items)
		if err != nil {
			return err
		}
		st.rows.Reset()
		for i, it := range st.items {
			if !fresh[i] {
				continue
			}
			b := it.Batch
			st.rows.TimesMs = append(st.rows.TimesMs, b.Times...)
			st.rows.SeriesIDs = append(st.rows.SeriesIDs, b.SeriesIDs...)
			st.rows.Values = append(st.rows.Values, b.Values...)
		}
		if st.rows.Len() > 0 {
			if st.copy, err = tsdb.CopySamples(ctx, tx.Conn().PgConn(), &st.rows, st.copy); err != nil {
				return err
			}
		}
		st.reports = appendReports(st.reports[:0], st.items, fresh)
		if len(st.reports) == 0 {
			return nil
		}
		return p.reports.RecordAgentReports(ctx, tx, st.reports)
	})
	clear(st.reports) // drop the references to the batches' parts
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return nil, fmt.Errorf("flush cancelled: %w", err)
		}
		return nil, err
	}
	return results, nil
}
