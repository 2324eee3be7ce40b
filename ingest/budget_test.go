package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/monsys/monsys/wire"
)

// bomb is a small body that expands far past the decoded cap: zeros
// compressed without announcing their size.
func bomb(t testing.TB, encoding string, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch encoding {
	case "gzip":
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
	default:
		zw, err := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithWindowSize(8<<20))
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	}
	zeros := make([]byte, 1<<20)
	for range size >> 20 {
		if _, err := w.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBudgetBoundsConcurrentBombs: 40 bombs at once against a budget of
// two requests' worth are each refused (413 at the decoded cap, or 503
// when the budget has no room), the budget never holds more than its
// limit, it is all given back, and a good batch is accepted afterwards.
func TestBudgetBoundsConcurrentBombs(t *testing.T) {
	f := newFixture(t, 1, Config{Shards: 1})
	const maxDecoded = 4 << 20
	limit := int64(2 * (maxDecoded + 2<<20))
	svc, err := NewService(ServiceConfig{MaxDecoded: maxDecoded, MemoryBudget: limit}, f.pipe, f.resolver, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	agent := f.agents[0]
	bombs := map[string][]byte{"zstd": bomb(t, "zstd", 64<<20), "gzip": bomb(t, "gzip", 64<<20)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	for i := range 40 {
		enc := "zstd"
		if i%2 == 1 {
			enc = "gzip"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Accept(context.Background(), Request{Format: FormatBatch, Encoding: enc, Body: bombs[enc], TenantID: f.tenant, AgentID: &agent})
			kind := "other: " + err.Error()
			switch {
			case errors.Is(err, ErrTooLarge):
				kind = "413"
			case errors.Is(err, ErrOverloaded):
				kind = "503"
			}
			mu.Lock()
			answers[kind]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("40 bombs: %v; budget peak %d of %d bytes", answers, svc.Budget().Peak(), limit)
	if answers["413"]+answers["503"] != 40 || answers["413"] == 0 {
		t.Errorf("answers %v, want every bomb refused with 413 or 503 and some of them measured to the cap", answers)
	}
	if peak := svc.Budget().Peak(); peak > limit {
		t.Errorf("budget peaked at %d bytes, over its limit %d", peak, limit)
	}
	if n := svc.Budget().InUse(); n != 0 {
		t.Errorf("%d bytes still charged after every request ended", n)
	}
	good := wire.AppendBatchJSON(nil, recentBatch(uuid.Must(uuid.NewV7()), 2, 2, time.Now().Add(-time.Minute)))
	if _, err := svc.Accept(context.Background(), Request{Format: FormatBatch, Body: good, TenantID: f.tenant, AgentID: &agent}); err != nil {
		t.Fatalf("a good batch after the bombs: %v", err)
	}
}

// TestBatchLargerThanTheBudgetIsTooLarge: a request that alone needs more
// than the whole budget answers 413, which agents drop, not a 503 they
// would retry for ever.
func TestBatchLargerThanTheBudgetIsTooLarge(t *testing.T) {
	f := newFixture(t, 1, Config{Shards: 1})
	svc, err := NewService(ServiceConfig{MemoryBudget: 64 << 10}, f.pipe, f.resolver, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	agent := f.agents[0]
	body := wire.AppendBatchJSON(nil, recentBatch(uuid.Must(uuid.NewV7()), 200, 30, time.Now().Add(-time.Hour)))
	if len(body) <= 64<<10 {
		t.Fatalf("the batch is %d bytes, not larger than the budget", len(body))
	}
	_, err = svc.Accept(context.Background(), Request{Format: FormatBatch, Body: body, TenantID: f.tenant, AgentID: &agent})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if n := svc.Budget().InUse(); n != 0 {
		t.Errorf("%d bytes still charged", n)
	}
}
