// Package workers runs the hub's background jobs: each on its own interval
// with jitter, one goroutine per job, all owned by one Runner whose Run
// returns only after every job has stopped. A job's error is logged and
// the job runs again at its next tick; jobs never overlap themselves.
package workers
