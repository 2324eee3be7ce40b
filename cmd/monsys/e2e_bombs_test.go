package main_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/monsys/monsys/bench"
	"github.com/monsys/monsys/wire"
)

const bombBudget = 64 << 20 // MONSYS_INGEST_MEMORY_BUDGET of the hub under test

// TestBombsStayWithinMemoryBudget: one agent sends 40 decompression bombs
// at once (zstd and gzip bodies of a few hundred KiB that expand to 1 GiB
// and 256 MiB) to the real hub with a 64 MiB ingest memory budget. Every
// bomb is refused (413 at the decoded cap, or 503 with Retry-After when
// the budget is spent), the hub's peak RSS (VmHWM) grows by at most twice
// the budget plus 32 MiB (the garbage collector lets the heap reach twice
// its live size), the memory goes back to the OS afterwards, and /metrics
// shows the budget. Before the budget, 40 bombs took the hub to 1.69 GB.
func TestBombsStayWithinMemoryBudget(t *testing.T) {
	bin := buildHub(t)
	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		"MONSYS_INGEST_MEMORY_BUDGET="+strconv.Itoa(bombBudget), "MONSYS_INGEST_BATCHES_PER_MINUTE=6000")
	h := s.start(t)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	var enroll struct{ Token string }
	c.call(t, http.MethodPost, "/api/v1/enrollment-tokens", "", map[string]string{"name": "bombs"}, http.StatusCreated, &enroll)
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := c.registerKey(t, enroll.Token, "machine-bombs", "bomber", pub, http.StatusCreated)

	bombs := map[string][]byte{"zstd": compressedZeros(t, "zstd", 1<<30), "gzip": compressedZeros(t, "gzip", 256<<20)}
	before := procStatus(t, h.cmd.Process.Pid)
	hc := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 40}}
	defer hc.CloseIdleConnections()
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[int]int{}
	for i := range 40 {
		enc := []string{"zstd", "gzip"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, retryAfter := postBomb(t, hc, h.url, a, key, enc, bombs[enc])
			mu.Lock()
			defer mu.Unlock()
			answers[status]++
			if status == http.StatusServiceUnavailable && retryAfter == "" {
				t.Errorf("503 without Retry-After")
			}
		}()
	}
	wg.Wait()
	after := procStatus(t, h.cmd.Process.Pid)
	grew := after.PeakRSS - before.PeakRSS
	t.Logf("40 bombs answered %v; hub RSS %d MiB before, peak %d MiB (+%d MiB), budget %d MiB",
		answers, before.RSS>>20, after.PeakRSS>>20, grew>>20, bombBudget>>20)
	if answers[http.StatusRequestEntityTooLarge]+answers[http.StatusServiceUnavailable] != 40 {
		t.Errorf("answers %v, want every bomb refused with 413 or 503", answers)
	}
	if limit := int64(2*bombBudget + 32<<20); grew > limit {
		t.Errorf("peak RSS grew by %d MiB, more than %d MiB for a %d MiB budget", grew>>20, limit>>20, bombBudget>>20)
	}
	// The burst is over: its memory goes back to the OS.
	var now bench.Memory
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		now = procStatus(t, h.cmd.Process.Pid)
		if now.RSS <= before.RSS+bombBudget/2 || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("hub RSS after the burst: %d MiB", now.RSS>>20)
	if now.RSS > before.RSS+bombBudget/2 {
		t.Errorf("hub RSS stays at %d MiB after the burst, %d MiB before it", now.RSS>>20, before.RSS>>20)
	}
	_, _, metrics := c.do(t, http.MethodGet, "/metrics", "", nil)
	for _, want := range []string{"monsys_ingest_memory_in_use_bytes 0", fmt.Sprintf("monsys_ingest_memory_budget_bytes %g", float64(bombBudget))} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	h.terminate(t)
}

// compressedZeros is size zero bytes compressed as encoding, announcing no
// decoded size.
func compressedZeros(t *testing.T, encoding string, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	if encoding == "gzip" {
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	} else {
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

func postBomb(t *testing.T, hc *http.Client, url string, a agent, key ed25519.PrivateKey, encoding string, body []byte) (int, string) {
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/ingest", bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	ts, sig := wire.Sign(key, wire.PurposeIngest, a.ID, time.Now(), body)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", encoding)
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	resp, err := hc.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body) // the problem's words do not matter here
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

func procStatus(t *testing.T, pid int) bench.Memory {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m, err := bench.ParseProcStatus(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
