package ingest

import (
	"runtime/debug"
	"sync/atomic"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
)

// Budget bounds the memory that requests hold for decompression and
// decoding, across all requests at once: the body as sent, the decoded
// body as its buffer grows, a zstd frame's window, and the decoded batch.
// Each request charges what it allocates before allocating it (the batch
// after decoding it) and gives it all back when Accept returns. A charge
// that would pass the limit fails, and Accept answers ErrOverloaded (503,
// Retry-After) at once instead of growing: forty decompression bombs
// cost what the budget allows, not forty times the per-request cap.
//
// After a burst (more than half the budget in use) ends, the memory is
// handed back to the operating system, so the hub's RSS falls back
// instead of staying at its peak. Safe for concurrent use.
type Budget struct {
	limit int64
	used  atomic.Int64
	peak  atomic.Int64
	burst atomic.Bool
}

// DefaultMemoryBudget is the budget when ServiceConfig leaves it zero:
// eight requests at the default caps (8 MiB as sent, 32 MiB decoded)
// without a bomb among them, thousands of ordinary agent batches.
const DefaultMemoryBudget = 256 << 20

// NewBudget allows limit bytes in flight.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Limit is the budget's size in bytes.
func (b *Budget) Limit() int64 { return b.limit }

// InUse is the bytes charged now.
func (b *Budget) InUse() int64 { return b.used.Load() }

// Peak is the most bytes ever charged at once.
func (b *Budget) Peak() int64 { return b.peak.Load() }

func (b *Budget) take(n int64) bool {
	for {
		cur := b.used.Load()
		if cur+n > b.limit {
			return false
		}
		if b.used.CompareAndSwap(cur, cur+n) {
			for p := b.peak.Load(); cur+n > p && !b.peak.CompareAndSwap(p, cur+n); p = b.peak.Load() {
			}
			if cur+n > b.limit/2 {
				b.burst.Store(true)
			}
			return true
		}
	}
}

func (b *Budget) give(n int64) {
	if left := b.used.Add(-n); left <= b.limit/8 && b.burst.CompareAndSwap(true, false) {
		// The burst is over: its buffers are garbage now. Collect them and
		// return the pages, once per burst (it costs one GC).
		debug.FreeOSMemory()
	}
}

// lease is one request's share of the budget. Not safe for concurrent
// use: it belongs to the request's goroutine.
type lease struct {
	b       *Budget
	held    int64
	refused int64 // the last charge that found no room
}

// neverFits reports whether the refused charge could not fit even with
// no other request in flight: waiting would not help.
func (l *lease) neverFits() bool { return l.b != nil && l.held+l.refused > l.b.limit }

// take charges n bytes, or reports false when the budget has no room; a
// lease without a budget always has room.
func (l *lease) take(n int) bool {
	if l == nil || l.b == nil || n <= 0 {
		return true
	}
	if !l.b.take(int64(n)) {
		l.refused = int64(n)
		return false
	}
	l.held += int64(n)
	return true
}

// release gives back everything the lease holds.
func (l *lease) release() {
	if l.b != nil && l.held > 0 {
		l.b.give(l.held)
		l.held = 0
	}
}

// footprint is the memory a decoded batch holds in its buffers.
func (b *Batch) footprint() int {
	return cap(b.Series)*int(unsafe.Sizeof(Series{})) + cap(b.Labels)*int(unsafe.Sizeof(Label{})) +
		(cap(b.Times)+cap(b.Values)+cap(b.SeriesIDs))*8 + cap(b.strs) + cap(b.raw) + cap(b.stack) + cap(b.scratch)
}

// RegisterBudgetMetrics shows the budget in /metrics.
func RegisterBudgetMetrics(reg prometheus.Registerer, b *Budget) error {
	for _, c := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "monsys_ingest_memory_in_use_bytes",
			Help: "Bytes that ingest requests hold now for their bodies, decompression and decoding (the budget in use)."},
			func() float64 { return float64(b.InUse()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "monsys_ingest_memory_budget_bytes",
			Help: "Bytes ingest requests may hold at once (MONSYS_INGEST_MEMORY_BUDGET); past it they answer 503."},
			func() float64 { return float64(b.Limit()) }),
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
