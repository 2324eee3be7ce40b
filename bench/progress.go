package bench

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress shows how far a phase is: a redrawn bar on a terminal, a plain
// line every 10 s otherwise. Start returns a stop function that waits for
// the drawing goroutine.
type Progress struct {
	W   io.Writer
	TTY bool
}

// Start reports done (in unit) under label until stop is called. The bar
// shows done against total, or with total 0 the time against span; with
// neither, only the count and rate show.
func (p *Progress) Start(label, unit string, total int64, span time.Duration, done *atomic.Int64) (stop func()) {
	if p == nil || p.W == nil {
		return func() {}
	}
	every := 10 * time.Second
	if p.TTY {
		every = 250 * time.Millisecond
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	began := time.Now()
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				p.draw(label, unit, total, span, done.Load(), time.Since(began), true)
				return
			case <-t.C:
				p.draw(label, unit, total, span, done.Load(), time.Since(began), false)
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

func (p *Progress) draw(label, unit string, total int64, span time.Duration, n int64, elapsed time.Duration, final bool) {
	rate := float64(n) / max(elapsed.Seconds(), 1e-9)
	line := fmt.Sprintf("%s: %d %s, %.0f %s/s, %s", label, n, unit, rate, unit, elapsed.Round(time.Second))
	switch {
	case total > 0:
		line = Bar(n, total, 30) + " " + line
	case span > 0:
		line = Bar(int64(elapsed), int64(span), 30) + " " + line
	}
	switch {
	case !p.TTY:
		fmt.Fprintln(p.W, line)
	case final:
		fmt.Fprintf(p.W, "\r\033[K%s\n", line)
	default:
		fmt.Fprintf(p.W, "\r\033[K%s", line)
	}
}

// Bar draws n of total as a bar width characters wide with a percentage.
func Bar(n, total int64, width int) string {
	f := min(max(float64(n)/float64(total), 0), 1)
	full := int(f * float64(width))
	return "[" + strings.Repeat("#", full) + strings.Repeat(".", width-full) + fmt.Sprintf("] %3.0f%%", f*100)
}
