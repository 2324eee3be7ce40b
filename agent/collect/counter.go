package collect

import "math"

// Counters keeps raw kernel counters monotonic. Each series is keyed by a
// string (metric name plus label values); the value sent is the sum of
// the deltas seen since the first reading, which starts at that reading.
type Counters struct {
	prev map[string]counterState
	seen map[string]bool // keys read in the current pass, to forget vanished ones
}

type counterState struct {
	raw uint64  // last raw reading
	acc float64 // monotonic value sent
}

// NewCounters returns an empty set.
func NewCounters() *Counters {
	return &Counters{prev: map[string]counterState{}, seen: map[string]bool{}}
}

// Observe records a raw reading and returns the monotonic value.
func (c *Counters) Observe(key string, raw uint64) float64 {
	c.seen[key] = true
	st, ok := c.prev[key]
	if !ok {
		st = counterState{raw: raw, acc: float64(raw)}
		c.prev[key] = st
		return st.acc
	}
	st.acc += float64(counterDelta(st.raw, raw))
	st.raw = raw
	c.prev[key] = st
	return st.acc
}

// Sweep forgets the series not observed since the last Sweep, so a
// removed device or interface does not hold memory for ever.
func (c *Counters) Sweep() {
	for k := range c.prev {
		if !c.seen[k] {
			delete(c.prev, k)
		}
	}
	clear(c.seen)
}

// counterDelta is how far a counter moved from prev to cur. A decrease
// is a 32-bit wrap when prev fits 32 bits and the wrapped distance is
// under half the range, a 64-bit wrap when prev is in the top half of the
// 64-bit range, and otherwise a reset (the counter restarted at zero and
// counted cur since).
func counterDelta(prev, cur uint64) uint64 {
	if cur >= prev {
		return cur - prev
	}
	if prev <= math.MaxUint32 {
		if d := math.MaxUint32 - prev + cur + 1; d < 1<<31 {
			return d
		}
		return cur
	}
	if prev > math.MaxUint64/2 {
		if d := math.MaxUint64 - prev + cur + 1; d < 1<<63 {
			return d
		}
	}
	return cur
}
