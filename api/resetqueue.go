package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

// resetQueue does the work of forgot-password requests after the answer
// has gone out, so a known address (token, mail, audit rows) and an
// unknown one (nothing) take the same time to answer (RELIABILITY A3).
// It is bounded; one goroutine drains it until close.
type resetQueue struct {
	jobs chan resetJob
	st   *store.Store
	log  *slog.Logger
	wg   sync.WaitGroup
	once sync.Once
}

type resetJob struct {
	email string
	hash  auth.TokenHash
	mail  func(to string) store.Mail
	ev    audit.Event
}

// resetQueueSize bounds requests waiting; past it the handler answers 503
// for every address alike.
const resetQueueSize = 256

func newResetQueue(st *store.Store, log *slog.Logger) *resetQueue {
	q := &resetQueue{jobs: make(chan resetJob, resetQueueSize), st: st, log: log}
	q.wg.Add(1)
	go q.run()
	return q
}

// add queues a job; false when the queue is full.
func (q *resetQueue) add(j resetJob) bool {
	select {
	case q.jobs <- j:
		return true
	default:
		return false
	}
}

func (q *resetQueue) run() {
	defer q.wg.Done()
	for j := range q.jobs {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := q.st.RequestPasswordReset(ctx, j.email, j.hash, j.mail, j.ev); err != nil {
			q.log.Error("cannot store password reset", "err", err)
		}
		cancel()
	}
}

// close stops taking jobs and waits until the queued ones are done.
func (q *resetQueue) close() {
	q.once.Do(func() { close(q.jobs) })
	q.wg.Wait()
}
