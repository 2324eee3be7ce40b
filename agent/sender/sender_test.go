package sender

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"
	"go.uber.org/goleak"

	"github.com/monsys/monsys/agent/spool"
	"github.com/monsys/monsys/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// attempt is one request the fake hub saw.
type attempt struct {
	at      time.Time
	batchID string
}

// fakeHub answers each batch with a script of statuses, one per attempt,
// then 200; it verifies the signature of every request like the hub does.
type fakeHub struct {
	t      *testing.T
	pub    ed25519.PublicKey
	agent  string
	script map[string][]int // batch id → statuses of its attempts
	stall  map[string]bool  // batch id → first attempt hangs past the client timeout
	mu     sync.Mutex
	seen   map[string][]attempt
	dec    *zstd.Decoder
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := wire.Verify(h.pub, wire.PurposeIngest, h.agent, r.Header.Get(wire.HeaderTimestamp), r.Header.Get(wire.HeaderSignature), body, time.Now(), nil); err != nil {
		h.t.Errorf("request signature: %v", err)
	}
	raw, err := h.dec.DecodeAll(body, nil)
	var b wire.Batch
	if err != nil || json.Unmarshal(raw, &b) != nil {
		h.t.Errorf("body is not a zstd JSON batch: %v", err)
	}
	h.mu.Lock()
	n := len(h.seen[b.BatchID])
	h.seen[b.BatchID] = append(h.seen[b.BatchID], attempt{at: time.Now(), batchID: b.BatchID})
	h.mu.Unlock()
	if h.stall[b.BatchID] && n == 0 {
		time.Sleep(600 * time.Millisecond) // the client gives up after 200 ms
		return
	}
	status := http.StatusOK
	if s := h.script[b.BatchID]; n < len(s) {
		status = s[n]
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "2")
	}
	w.WriteHeader(status)
}

// TestStatusCodes runs RELIABILITY R7's status matrix: the hub answers
// each code once, then 200. 2xx delivers on the first attempt; 4xx other
// than 429 is dropped after exactly one attempt; 429, 5xx and a timeout
// are retried with the same batch id after at least 1 s, and Retry-After
// is honoured within 10 %.
func TestStatusCodes(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	agentID := uuid.NewString()
	codes := []int{200, 204, 400, 401, 403, 413, 415, 422, 429, 500, 502, 503, 504, 0} // 0: timeout
	h := &fakeHub{t: t, pub: pub, agent: agentID, script: map[string][]int{}, stall: map[string]bool{}, seen: map[string][]attempt{}, dec: dec}
	sp, err := spool.Open(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(codes))
	for i, code := range codes {
		ids[i] = uuid.NewString()
		if code == 0 {
			h.stall[ids[i]] = true
		} else {
			h.script[ids[i]] = []int{code}
		}
		body := enc.EncodeAll(wire.AppendBatchJSON(nil, &wire.Batch{BatchID: ids[i], Seq: uint64(i + 1)}), nil)
		if _, err := sp.Append(uint64(i+1), ids[i], body); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	creds := Credentials{AgentID: agentID, Token: "msa_test", Key: priv}
	s := New(srv.URL, &http.Client{Timeout: 200 * time.Millisecond}, func() Credentials { return creds }, slog.New(slog.NewTextHandler(io.Discard, nil)))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, sp) }()
	for sp.Stats().Batches > 0 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	for i, code := range codes {
		tries := h.seen[ids[i]]
		switch {
		case code == 200 || code == 204:
			if len(tries) != 1 {
				t.Errorf("%d: %d attempts, want 1", code, len(tries))
			}
		case code >= 400 && code < 500 && code != 429:
			if len(tries) != 1 {
				t.Errorf("%d: %d attempts, want 1 (no retry of a 4xx)", code, len(tries))
			}
		default:
			if len(tries) != 2 {
				t.Errorf("code %d: %d attempts, want 2 (one retry, then 200)", code, len(tries))
				continue
			}
			gap := tries[1].at.Sub(tries[0].at)
			want, slack := MinBackoff, MinBackoff/2+150*time.Millisecond
			if code == 429 || code == 503 {
				want, slack = 2*time.Second, 200*time.Millisecond // Retry-After: 2, ±10 %
			}
			if code == 0 {
				want += 200 * time.Millisecond // the attempt itself took the client timeout
			}
			if gap < want || gap > want+slack {
				t.Errorf("code %d: retried after %v, want %v to %v", code, gap, want, want+slack)
			}
			if tries[1].batchID != ids[i] {
				t.Errorf("code %d: retry carried batch id %s, want %s", code, tries[1].batchID, ids[i])
			}
		}
	}
	st := s.Stats()
	if st.Delivered != 2+6 || st.Rejected != 6 || st.Retries != 6 {
		t.Errorf("stats %+v, want delivered 8, rejected 6, retries 6", st)
	}
}

// TestBackoff pins the schedule: at least 1 s, doubling, at most 60 s,
// jittered, and Retry-After plus at most 5 %.
func TestBackoff(t *testing.T) {
	for attempt := 0; attempt < 12; attempt++ {
		base := min(MinBackoff<<attempt, MaxBackoff)
		for range 200 {
			d := Backoff(attempt, 0)
			if d < MinBackoff || d > MaxBackoff || d < base || d > base+base/2 {
				t.Fatalf("attempt %d: backoff %v outside [%v, min(%v, 60s)]", attempt, d, base, base+base/2)
			}
		}
	}
	for range 200 {
		if d := Backoff(3, 10*time.Second); d < 10*time.Second || d > 10500*time.Millisecond {
			t.Fatalf("Retry-After 10 s: waited %v, want 10 s to 10.5 s", d)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "5": 5 * time.Second, "junk": 0, "-3": 0, "100000": MaxRetryAfter,
		now.Add(30 * time.Second).Format(http.TimeFormat): 30 * time.Second,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("Retry-After %q = %v, want %v", in, got, want)
		}
	}
}

// FuzzParseRetryAfter reads the hub's header: never negative, never past
// the cap, never a panic.
func FuzzParseRetryAfter(f *testing.F) {
	f.Add("5")
	f.Add("Fri, 27 Nov 2026 08:00:30 GMT")
	f.Add("-1")
	f.Add("99999999999999999999")
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := parseRetryAfter(v, now); d < 0 || d > MaxRetryAfter {
			t.Fatalf("Retry-After %q = %v", v, d)
		}
	})
}
