package ingest

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// seriesKey identifies a series in the cache: 128 bits of two seeded hashes
// over (tenant, owner, metric, sorted labels). A false match needs a
// collision of both, about one in 2^64 per pair: far below hardware error
// rates at any fleet size.
type seriesKey [2]uint64

const cacheShards = 64

// SeriesCache maps series keys to storage ids. It is sharded to keep lock
// contention low and bounded: a shard that reaches its share of the
// capacity is emptied (the ids are found again in storage).
type SeriesCache struct {
	seeds    [2]maphash.Seed
	shards   [cacheShards]cacheShard
	perShard int
	size     atomic.Int64
	misses   atomic.Int64
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[seriesKey]int64
}

// NewSeriesCache holds up to capacity series ids.
func NewSeriesCache(capacity int) *SeriesCache {
	c := &SeriesCache{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, perShard: max(capacity/cacheShards, 16)}
	for i := range c.shards {
		c.shards[i].m = make(map[seriesKey]int64)
	}
	return c
}

func (c *SeriesCache) key(canonical []byte) seriesKey {
	return seriesKey{maphash.Bytes(c.seeds[0], canonical), maphash.Bytes(c.seeds[1], canonical)}
}

// Get returns the cached id for a key.
func (c *SeriesCache) Get(k seriesKey) (int64, bool) {
	s := &c.shards[k[0]%cacheShards]
	s.mu.RLock()
	id, ok := s.m[k]
	s.mu.RUnlock()
	return id, ok
}

// Put remembers an id.
func (c *SeriesCache) Put(k seriesKey, id int64) {
	s := &c.shards[k[0]%cacheShards]
	s.mu.Lock()
	if len(s.m) >= c.perShard {
		c.size.Add(-int64(len(s.m)))
		clear(s.m)
	}
	if _, ok := s.m[k]; !ok {
		c.size.Add(1)
	}
	s.m[k] = id
	s.mu.Unlock()
}

// Len is the number of cached ids.
func (c *SeriesCache) Len() int { return int(c.size.Load()) }

// Misses counts lookups that went to storage.
func (c *SeriesCache) Misses() int64 { return c.misses.Load() }
