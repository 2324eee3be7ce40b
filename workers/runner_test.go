package workers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunnerRunsJobsAndStopsWithContext(t *testing.T) {
	var fast, failing, atStart atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	r := New(slog.New(slog.NewTextHandler(io.Discard, nil)),
		Job{Name: "fast", Interval: 10 * time.Millisecond, Run: func(context.Context) error { fast.Add(1); return nil }},
		Job{Name: "failing", Interval: 10 * time.Millisecond, Run: func(context.Context) error { failing.Add(1); return errors.New("boom") }},
		Job{Name: "start", Interval: time.Hour, RunAtStart: true, Run: func(context.Context) error { atStart.Add(1); return nil }},
	)
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if fast.Load() < 5 || failing.Load() < 5 {
		t.Errorf("jobs ran %d and %d times in 200 ms at 10 ms intervals; a failing job must keep running", fast.Load(), failing.Load())
	}
	if atStart.Load() != 1 {
		t.Errorf("RunAtStart job ran %d times, want 1", atStart.Load())
	}
}
