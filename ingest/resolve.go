package ingest

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// Resolver assigns storage ids to a batch's series: from the cache when it
// can, else by one bulk upsert for all of the batch's new series.
type Resolver struct {
	cache *SeriesCache
	pool  *pgxpool.Pool
}

// NewResolver resolves through cache, falling back to pool.
func NewResolver(cache *SeriesCache, pool *pgxpool.Pool) *Resolver {
	return &Resolver{cache: cache, pool: pool}
}

// Resolve fills b.Series[i].ID and b.SeriesIDs (one per sample). agentID
// is nil for tenant-level series. A batch whose series are all cached
// costs no allocation and no round trip.
func (r *Resolver) Resolve(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID, b *Batch) error {
	var owner [32]byte
	copy(owner[:16], tenantID[:])
	if agentID != nil {
		copy(owner[16:], agentID[:])
	}
	b.misses = b.misses[:0]
	for i := range b.Series {
		s := &b.Series[i]
		b.scratch = appendCanonical(b.scratch[:0], &owner, b, s)
		k := r.cache.key(b.scratch)
		if id, ok := r.cache.Get(k); ok {
			s.ID = id
			continue
		}
		b.misses = append(b.misses, miss{series: i, key: k})
	}
	if len(b.misses) > 0 {
		if err := r.resolveMisses(ctx, tenantID, agentID, b); err != nil {
			return err
		}
	}
	b.SeriesIDs = b.SeriesIDs[:0]
	for i := range b.Series {
		s := &b.Series[i]
		for range s.SamplesEnd - s.SamplesStart {
			b.SeriesIDs = append(b.SeriesIDs, s.ID)
		}
	}
	return nil
}

type miss struct {
	series int
	key    seriesKey
}

func (r *Resolver) resolveMisses(ctx context.Context, tenantID uuid.UUID, agentID *uuid.UUID, b *Batch) error {
	r.cache.misses.Add(int64(len(b.misses)))
	in := make([]tsdb.NewSeries, len(b.misses))
	for j, m := range b.misses {
		s := &b.Series[m.series]
		in[j] = tsdb.NewSeries{TenantID: tenantID, AgentID: agentID, Metric: string(b.Str(s.Name)),
			Labels: labelsJSON(b, s), LabelsHash: labelsHash(b, s)}
	}
	ids, err := tsdb.ResolveSeries(ctx, r.pool, in)
	if err != nil {
		return fmt.Errorf("resolve %d new series: %w", len(in), err)
	}
	for j, m := range b.misses {
		b.Series[m.series].ID = ids[j]
		r.cache.Put(m.key, ids[j])
	}
	return nil
}
