package ratelimit

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what Shared needs: a pgx pool.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Shared applies one policy with its counts in PostgreSQL (rate_counters),
// so every hub of a cluster sees the same windows. Windows are fixed and
// aligned to the Unix epoch by the database's clock, so hubs with skewed
// clocks still agree. It is safe for concurrent use.
type Shared struct {
	policy Policy
	db     DB
	calls  atomic.Uint64
}

// sweepEvery is how many Takes pass between deletions of old windows.
const sweepEvery = 1024

// NewShared returns a limiter for policy counting in db.
func NewShared(policy Policy, db DB) *Shared { return &Shared{policy: policy, db: db} }

// Policy is the limiter's policy.
func (s *Shared) Policy() Policy { return s.policy }

// takeSQL counts one request in the key's current window (upsert-increment)
// and returns the count and the time left in the window.
const takeSQL = `WITH w AS (SELECT date_bin(make_interval(secs => $3), now(), 'epoch') AS start)
INSERT INTO rate_counters AS rc (policy, key, window_start, count) SELECT $1, $2, w.start, 1 FROM w
ON CONFLICT (policy, key, window_start) DO UPDATE SET count = rc.count + 1
RETURNING rc.count, extract(epoch FROM rc.window_start + make_interval(secs => $3) - now())::float8`

const peekSQL = `SELECT coalesce(sum(count), 0)::int,
  extract(epoch FROM date_bin(make_interval(secs => $3), now(), 'epoch') + make_interval(secs => $3) - now())::float8
FROM rate_counters WHERE policy = $1 AND key = $2 AND window_start = date_bin(make_interval(secs => $3), now(), 'epoch')`

const sweepSQL = `DELETE FROM rate_counters WHERE policy = $1 AND window_start < now() - make_interval(secs => $2)`

// pruneSharedSQL removes windows of every policy a day old (the longest
// window is an hour), including those of policies no hub counts any more.
const pruneSharedSQL = `DELETE FROM rate_counters WHERE window_start < now() - interval '1 day'`

// PruneShared deletes every policy's windows a day old from db and says
// how many; the account-pruning job runs it with the other account tables.
func PruneShared(ctx context.Context, db DB) (int64, error) {
	tag, err := db.Exec(ctx, pruneSharedSQL)
	if err != nil {
		return 0, fmt.Errorf("prune rate counters: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Take counts one request for key and says whether it may proceed.
func (s *Shared) Take(ctx context.Context, key string) (Decision, error) {
	win := s.policy.Window.Seconds()
	var count int
	var left float64
	if err := s.db.QueryRow(ctx, takeSQL, s.policy.Name, key, win).Scan(&count, &left); err != nil {
		return Decision{}, fmt.Errorf("count rate limit %s: %w", s.policy.Name, err)
	}
	if s.calls.Add(1)%sweepEvery == 0 {
		if _, err := s.db.Exec(ctx, sweepSQL, s.policy.Name, 2*win); err != nil {
			return Decision{}, fmt.Errorf("sweep rate limit %s: %w", s.policy.Name, err)
		}
	}
	return decision(s.policy, count, left, true), nil
}

// Peek reports key's window without counting a request.
func (s *Shared) Peek(ctx context.Context, key string) (Decision, error) {
	var count int
	var left float64
	if err := s.db.QueryRow(ctx, peekSQL, s.policy.Name, key, s.policy.Window.Seconds()).Scan(&count, &left); err != nil {
		return Decision{}, fmt.Errorf("read rate limit %s: %w", s.policy.Name, err)
	}
	return decision(s.policy, count, left, false), nil
}

// decision turns a window's count into a Decision; counted says whether
// the count includes this request.
func decision(p Policy, count int, left float64, counted bool) Decision {
	reset := time.Duration(left * float64(time.Second))
	if counted {
		if count > p.Quota {
			return Decision{Allowed: false, Reset: reset}
		}
		return Decision{Allowed: true, Remaining: p.Quota - count, Reset: reset}
	}
	return Decision{Allowed: count < p.Quota, Remaining: max(p.Quota-count, 0), Reset: reset}
}
