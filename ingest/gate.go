package ingest

import (
	"sync"
	"time"

	"github.com/monsys/monsys/tsdb"
)

// probeEvery is how often, while storage does not commit, one batch is let
// through to find out whether it commits again: the hub recovers within
// about this long of the database's return, and a database that is down
// costs one attempt a second instead of one per request.
const probeEvery = time.Second

// StorageState is what ingest knows of its storage, for health checks.
type StorageState struct {
	// Fault is why the last flush failed, "" while flushes commit.
	Fault tsdb.Fault
	// Since is when flushes began to fail; LastFailure the latest failure.
	Since, LastFailure time.Time
}

// gate refuses batches at once while flushes fail for a reason of the
// database's (tsdb.FaultOf), so that no request waits on a database that
// cannot commit; every probeEvery it lets one batch through, whose flush
// says whether storage works again. Safe for concurrent use.
type gate struct {
	now func() time.Time

	mu        sync.Mutex
	state     StorageState
	nextProbe time.Time
}

func newGate(now func() time.Time) *gate { return &gate{now: now} }

// admit reports whether a batch may be queued now, and the fault refusing
// it otherwise.
func (g *gate) admit() (bool, tsdb.Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state.Fault == "" {
		return true, ""
	}
	if now := g.now(); !now.Before(g.nextProbe) {
		g.nextProbe = now.Add(probeEvery)
		return true, ""
	}
	return false, g.state.Fault
}

// failed records a flush that did not commit; it closes the gate only for
// a fault of the database's, not for a batch that storage refused.
func (g *gate) failed(err error) tsdb.Fault {
	f := tsdb.FaultOf(err)
	if f == "" {
		return ""
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if g.state.Fault == "" {
		g.state.Since = now
		g.nextProbe = now.Add(probeEvery)
	}
	g.state.Fault, g.state.LastFailure = f, now
	return f
}

// committed records a flush that committed: the gate opens.
func (g *gate) committed() (wasDown StorageState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	wasDown, g.state = g.state, StorageState{}
	return wasDown
}

func (g *gate) get() StorageState {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.state
}
