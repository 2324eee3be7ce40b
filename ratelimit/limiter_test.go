package ratelimit

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestSixtyFirstRequestInAWindowIsRefused(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := New(Policy{Name: "ingest", Quota: 60, Window: time.Minute}, clock.now)
	for i := range 60 {
		d := l.Allow("agent-a")
		if !d.Allowed || d.Remaining != 59-i {
			t.Fatalf("request %d: %+v", i+1, d)
		}
		clock.t = clock.t.Add(500 * time.Millisecond)
	}
	d := l.Allow("agent-a")
	if d.Allowed {
		t.Fatal("61st request in the window allowed")
	}
	if d.RetryAfterSeconds() != 30 {
		t.Errorf("retry after %ds, want 30 (window started 30 s ago)", d.RetryAfterSeconds())
	}
	if !l.Allow("agent-b").Allowed {
		t.Error("another key was limited by agent-a's traffic")
	}
	clock.t = clock.t.Add(30 * time.Second)
	if d := l.Allow("agent-a"); !d.Allowed || d.Remaining != 59 {
		t.Errorf("new window: %+v", d)
	}
}

func TestExpiredWindowsAreSwept(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := New(Policy{Name: "x", Quota: 1, Window: time.Second}, clock.now)
	for i := range 1000 {
		l.Allow(string(rune('a'+i%26)) + time.Duration(i).String())
	}
	clock.t = clock.t.Add(2 * time.Second)
	for i := range shardCount * 4 {
		l.Allow(time.Duration(i).String() + "late")
	}
	swept, stale := 0, 0
	for i := range l.shards {
		sh := &l.shards[i]
		if !sh.lastSweep.Equal(clock.t) {
			continue // no request reached this shard after the expiry
		}
		swept++
		for _, w := range sh.windows {
			if clock.t.Sub(w.start) >= time.Second {
				stale++
			}
		}
	}
	if swept < shardCount/2 {
		t.Fatalf("only %d of %d shards saw a request after expiry; the test needs more keys", swept, shardCount)
	}
	if stale > 0 {
		t.Fatalf("%d expired windows survive in shards used after the expiry", stale)
	}
}

func FuzzAllowKeys(f *testing.F) {
	f.Add("agent:0190d3c8-6f0e-7cc4-8f57-6a3e6b7f1a22")
	f.Add("")
	f.Fuzz(func(t *testing.T, key string) {
		l := New(Policy{Name: "f", Quota: 2, Window: time.Minute}, nil)
		a, b, c := l.Allow(key), l.Allow(key), l.Allow(key)
		if !a.Allowed || !b.Allowed || c.Allowed {
			t.Fatalf("key %q: %v %v %v", key, a, b, c)
		}
	})
}
