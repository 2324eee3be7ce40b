package ratelimit_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/monsys/monsys/internal/pgtest"
	"github.com/monsys/monsys/ratelimit"
)

var db *pgtest.Harness

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &db)) }

// TestSharedLimitersShareCounts runs two limiters, as two hubs would, on
// one database: together they allow exactly the quota per key.
func TestSharedLimitersShareCounts(t *testing.T) {
	t.Parallel()
	pool := db.New(t)
	ctx := context.Background()
	pol := ratelimit.Policy{Name: "login", Quota: 10, Window: time.Hour}
	hubs := []*ratelimit.Shared{ratelimit.NewShared(pol, pool), ratelimit.NewShared(pol, pool)}
	// Windows are aligned to the clock: start well inside one.
	if left := 3600 - time.Now().Unix()%3600; left < 10 {
		time.Sleep(time.Duration(left)*time.Second + 200*time.Millisecond)
	}

	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			d, err := hubs[i%2].Take(ctx, "ip:192.0.2.1")
			if err != nil {
				t.Error(err)
				return
			}
			if d.Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			} else if d.RetryAfterSeconds() < 1 || d.Remaining != 0 {
				t.Errorf("refusal %+v: want Retry-After ≥ 1 and nothing remaining", d)
			}
		})
	}
	wg.Wait()
	if allowed != pol.Quota {
		t.Fatalf("%d allowed across two hubs, want %d", allowed, pol.Quota)
	}
	if d, err := hubs[1].Peek(ctx, "ip:192.0.2.1"); err != nil || d.Allowed {
		t.Fatalf("peek after the quota: %+v %v", d, err)
	}
	d, err := hubs[0].Take(ctx, "ip:192.0.2.2")
	if err != nil || !d.Allowed || d.Remaining != pol.Quota-1 {
		t.Fatalf("another key: %+v %v, want allowed with %d left", d, err, pol.Quota-1)
	}
	other := ratelimit.NewShared(ratelimit.Policy{Name: "forgot_password", Quota: 1, Window: time.Hour}, pool)
	if d, err := other.Take(ctx, "ip:192.0.2.1"); err != nil || !d.Allowed {
		t.Fatalf("another policy on the same key: %+v %v", d, err)
	}
}

func TestSharedWindowEnds(t *testing.T) {
	t.Parallel()
	pool := db.New(t)
	ctx := context.Background()
	l := ratelimit.NewShared(ratelimit.Policy{Name: "short", Quota: 1, Window: time.Second}, pool)
	if d, _ := l.Take(ctx, "k"); !d.Allowed {
		t.Fatal("first request refused")
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		d, err := l.Take(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			return // a new window began
		}
		if time.Now().After(deadline) {
			t.Fatal("still refused 3 s into a 1 s window")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
