package ingest

import (
	"sync"
)

// shard is one bounded queue of pending batches and the state its flusher
// needs. The bound is in rows, not batches, so memory stays bounded
// whatever the batch sizes.
type shard struct {
	id      int
	mu      sync.Mutex
	items   []*Pending
	rows    int
	maxRows int
	closed  bool
	wake    chan struct{} // capacity 1: "there is work"
}

func newShard(id, maxRows int) *shard {
	return &shard{id: id, maxRows: maxRows, wake: make(chan struct{}, 1)}
}

// tryPush queues item unless the shard is full or closed. It never blocks
// on the flusher.
func (s *shard) tryPush(item *Pending) bool {
	n := item.Batch.SampleCount()
	s.mu.Lock()
	// An oversized batch on an empty shard is let through, or it could never
	// be stored; the decoded-size limit bounds it.
	if s.closed || (s.rows+n > s.maxRows && len(s.items) > 0) {
		s.mu.Unlock()
		return false
	}
	s.items = append(s.items, item)
	s.rows += n
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return true
}

// take moves up to maxRows rows' worth of batches (at least one batch)
// into dst.
func (s *shard) take(dst []*Pending, maxRows int) ([]*Pending, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, n := 0, 0
	for n < len(s.items) {
		r := s.items[n].Batch.SampleCount()
		if n > 0 && rows+r > maxRows {
			break
		}
		rows += r
		n++
	}
	dst = append(dst, s.items[:n]...)
	clear(s.items[:n])
	s.items = append(s.items[:0], s.items[n:]...)
	s.rows -= rows
	return dst, rows
}

// depth reports queued rows and batches.
func (s *shard) depth() (rows, batches int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rows, len(s.items)
}

func (s *shard) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *shard) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
