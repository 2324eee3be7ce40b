package ingest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// BenchmarkPipelineVsCopyCeiling compares the back half of ingest — ring,
// flusher, ledger, binary COPY, commit, acknowledgement — with the raw
// pgx.CopyFrom rate into the same table, same index, same number of
// connections (2), in one run. Batches are 1000 samples from 100 agents.
// It reports both rates and their ratio (target ≥ 0.8). Run it with an
// even -benchtime so each side goes first as often as the other.
//
//	go test -run '^$' -bench PipelineVsCopyCeiling -benchtime 2x -count 3 ./ingest
func BenchmarkPipelineVsCopyCeiling(b *testing.B) {
	const (
		agents       = 100
		batchSamples = 1000
		batches      = 2000 // 2 M rows per side
		conns        = 2
	)
	for iter := range b.N {
		f := newFixture(b, agents, Config{Shards: conns})
		ctx := context.Background()
		base := time.Now().Add(-2 * time.Hour).UnixMilli()
		mkBatch := func(k int) *Batch {
			bt := &Batch{BatchID: uuid.Must(uuid.NewV7())}
			for i := range batchSamples {
				bt.Times = append(bt.Times, base+int64(k)*10+int64(i%10))
				bt.SeriesIDs = append(bt.SeriesIDs, int64((k%agents)*100+i/10))
				bt.Values = append(bt.Values, float64(i))
			}
			return bt
		}
		work := make([]*Batch, batches)
		for k := range work {
			work[k] = mkBatch(k)
		}

		var next atomic.Int64
		var wg sync.WaitGroup
		// Ceiling: the same rows with pgx.CopyFrom over 2 connections.
		runCeiling := func() float64 {
			start := time.Now()
			next.Store(0)
			for range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					conn, err := f.pool.Acquire(ctx)
					if err != nil {
						b.Error(err)
						return
					}
					defer conn.Release()
					for {
						// 50 batches per COPY: the ceiling gets the big COPYs
						// the flushers make, and nothing else to do.
						k := int(next.Add(50)) - 50
						if k >= batches {
							return
						}
						var rows [][]any
						for _, bt := range work[k:min(k+50, batches)] {
							for i := range bt.Times {
								rows = append(rows, []any{time.UnixMilli(bt.Times[i]), bt.SeriesIDs[i] + 1_000_000, bt.Values[i]})
							}
						}
						if _, err := conn.CopyFrom(ctx, pgx.Identifier{"samples"}, []string{"time", "series_id", "value"}, pgx.CopyFromRows(rows)); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			return float64(batches*batchSamples) / time.Since(start).Seconds()
		}
		// Pipeline: every batch submitted by its agent, acknowledged after commit.
		runPipeline := func() float64 {
			start := time.Now()
			next.Store(0)
			for range agents { // one submitter per agent, as a fleet sends
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						k := int(next.Add(1)) - 1
						if k >= batches {
							return
						}
						agent := f.agents[k%agents]
						item := &Pending{TenantID: f.tenant, AgentID: &agent, HasBatchID: true, Batch: work[k]}
						item.BodySHA256[0], item.BodySHA256[1] = byte(k), byte(k>>8)
						if _, err := f.pipe.Submit(ctx, item); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			return float64(batches*batchSamples) / time.Since(start).Seconds()
		}
		// Whichever runs second writes into a bigger index; alternate.
		var ceiling, pipeline float64
		if iter%2 == 0 {
			ceiling, pipeline = runCeiling(), runPipeline()
		} else {
			pipeline, ceiling = runPipeline(), runCeiling()
		}
		b.ReportMetric(ceiling, "ceiling-rows/s")
		b.ReportMetric(pipeline, "pipeline-rows/s")
		b.ReportMetric(pipeline/ceiling, "ratio")
	}
}
