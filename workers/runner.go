package workers

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Job is one periodic task.
type Job struct {
	Name     string
	Interval time.Duration
	// RunAtStart runs the job once before the first interval has passed.
	RunAtStart bool
	Run        func(ctx context.Context) error
}

// Runner owns a set of jobs.
type Runner struct {
	log  *slog.Logger
	jobs []Job
}

// New returns a runner for jobs.
func New(log *slog.Logger, jobs ...Job) *Runner {
	return &Runner{log: log.With("component", "workers"), jobs: jobs}
}

// Run runs every job until ctx ends, then waits for them to finish.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, j := range r.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.loop(ctx, j)
		}()
	}
	wg.Wait()
}

func (r *Runner) loop(ctx context.Context, j Job) {
	if j.RunAtStart {
		r.once(ctx, j)
	}
	for {
		// ±10 % jitter keeps several hubs from running a job in lockstep.
		d := j.Interval + time.Duration((rand.Float64()-0.5)*0.2*float64(j.Interval))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			r.once(ctx, j)
		}
	}
}

func (r *Runner) once(ctx context.Context, j Job) {
	start := time.Now()
	if err := j.Run(ctx); err != nil && ctx.Err() == nil {
		r.log.Warn("job failed", "job", j.Name, "err", err, "took_ms", time.Since(start).Milliseconds())
	}
}
