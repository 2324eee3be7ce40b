package decoy

import (
	"sync"

	"github.com/monsys/monsys/wire"
)

// MaxQueued is the most events waiting for a batch.
const MaxQueued = 1000

// Queue holds events until the agent's next batch takes them.
type Queue struct {
	mu      sync.Mutex
	events  []wire.SecurityEvent
	dropped uint64
}

func (q *Queue) add(e wire.SecurityEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.events) >= MaxQueued {
		q.dropped++
		return
	}
	q.events = append(q.events, e)
}

// Take empties the queue.
func (q *Queue) Take() []wire.SecurityEvent {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.events
	q.events = nil
	return out
}

// Dropped counts the events lost to a full queue since the start.
func (q *Queue) Dropped() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}
