package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// Policy is a named quota per window, e.g. "ingest": 60 per 60 s.
type Policy struct {
	Name   string
	Quota  int
	Window time.Duration
}

// Decision is the outcome of one Allow.
type Decision struct {
	Allowed   bool
	Remaining int           // requests left in the window after this one
	Reset     time.Duration // until the window ends
}

// RetryAfterSeconds is the whole seconds to wait, at least 1.
func (d Decision) RetryAfterSeconds() int { return max(int((d.Reset+time.Second-1)/time.Second), 1) }

const shardCount = 32

// Limiter applies one policy to many keys. It is safe for concurrent use.
type Limiter struct {
	policy Policy
	now    func() time.Time
	seed   maphash.Seed
	shards [shardCount]limiterShard
}

type limiterShard struct {
	mu        sync.Mutex
	windows   map[string]*window
	lastSweep time.Time
}

type window struct {
	start time.Time
	count int
}

// New returns a limiter for policy. now is the clock (time.Now when nil).
func New(policy Policy, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{policy: policy, now: now, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].windows = make(map[string]*window)
	}
	return l
}

// Policy is the limiter's policy.
func (l *Limiter) Policy() Policy { return l.policy }

// Allow counts one request for key and says whether it may proceed.
func (l *Limiter) Allow(key string) Decision {
	now := l.now()
	s := &l.shards[maphash.String(l.seed, key)%shardCount]
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSweep) > l.policy.Window {
		for k, w := range s.windows {
			if now.Sub(w.start) >= l.policy.Window {
				delete(s.windows, k)
			}
		}
		s.lastSweep = now
	}
	w := s.windows[key]
	if w == nil || now.Sub(w.start) >= l.policy.Window {
		w = &window{start: now}
		s.windows[key] = w
	}
	reset := w.start.Add(l.policy.Window).Sub(now)
	if w.count >= l.policy.Quota {
		return Decision{Allowed: false, Remaining: 0, Reset: reset}
	}
	w.count++
	return Decision{Allowed: true, Remaining: l.policy.Quota - w.count, Reset: reset}
}

// Take is Allow for callers that also use the shared limiter; the
// in-memory limiter never fails.
func (l *Limiter) Take(_ context.Context, key string) (Decision, error) { return l.Allow(key), nil }

// Peek reports the state of key's window without counting a request:
// Allowed is false once the quota is used up.
func (l *Limiter) Peek(_ context.Context, key string) (Decision, error) {
	now := l.now()
	s := &l.shards[maphash.String(l.seed, key)%shardCount]
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windows[key]
	if w == nil || now.Sub(w.start) >= l.policy.Window {
		return Decision{Allowed: true, Remaining: l.policy.Quota, Reset: l.policy.Window}, nil
	}
	return Decision{Allowed: w.count < l.policy.Quota, Remaining: max(l.policy.Quota-w.count, 0),
		Reset: w.start.Add(l.policy.Window).Sub(now)}, nil
}
