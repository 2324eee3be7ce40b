package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/ingest"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// discardSink stands in for storage: the front half is measured alone.
type discardSink struct{ samples atomic.Int64 }

func (d *discardSink) Submit(_ context.Context, item *ingest.Pending) (ingest.Result, error) {
	d.samples.Add(int64(item.Batch.SampleCount()))
	return ingest.Result{}, nil
}

func (d *discardSink) Reject(string) {}

// BenchmarkIngestFrontHalf: HTTP → token → signature → zstd → decode →
// series lookup (warm cache), storage replaced by a sink. Batches of 1000
// samples (100 series × 10), signed and zstd-compressed as agents send
// them, from 4 concurrent clients in the same process. It reports
// samples/s and the process's CPU time per sample, client included, so
// the server's own cost is lower than cpu-ns/sample says.
func BenchmarkIngestFrontHalf(b *testing.B) {
	pool := testDB.New(b)
	ctx := context.Background()
	st := store.New(pool)
	hash, _ := auth.HashPassword("benchmark-password")
	fx, err := st.CreateTenantWithOwner(ctx, "Bench", "bench", "bench@example.test", hash)
	if err != nil {
		b.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	token, tokHash, _ := auth.NewToken(auth.KindAgent)
	res, err := st.RegisterAgent(ctx, store.Registration{TenantID: fx.Tenant.ID, MachineID: "bench", Hostname: "bench",
		Pubkey: pub, NewTokenHash: tokHash})
	if err != nil {
		b.Fatal(err)
	}
	agentID := res.Agent.ID.String()
	sink := &discardSink{}
	reg := prometheus.NewRegistry()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := ingest.NewService(ingest.ServiceConfig{}, sink, ingest.NewResolver(ingest.NewSeriesCache(100_000), pool), logger)
	if err != nil {
		b.Fatal(err)
	}
	// One agent sends everything: lift its per-minute limit.
	srv, err := New(Config{PublicURL: "http://bench", SessionIdle: time.Hour, SessionMaxAge: time.Hour, BodyLimit: 1 << 20,
		IngestBatchesPerMinute: 1 << 30}, Deps{Store: st, Logger: logger, Registry: reg, Gatherer: reg, Ingest: svc})
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()
	url := "http://" + ln.Addr().String() + "/api/v1/ingest"

	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault))
	const bodies = 64
	payloads := make([][]byte, bodies)
	base := time.Now().Add(-time.Hour).UnixMilli()
	for i := range payloads {
		wb := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String()}
		for s := range 100 {
			m := wire.Metric{Name: "node_cpu_seconds_total", Labels: map[string]string{"cpu": fmt.Sprint(s % 8), "mode": fmt.Sprint("m", s/8)}}
			for j := range 10 {
				m.Samples = append(m.Samples, wire.Sample{TimeMs: base + int64(i*10+j)*1000, Value: float64(s*j) * 1.5})
			}
			wb.Metrics = append(wb.Metrics, m)
		}
		payloads[i] = enc.EncodeAll(wire.AppendBatchJSON(nil, wb), nil)
	}
	// The client runs in a child process (this test binary again, see
	// TestIngestLoadClient), so the CPU time measured here is the
	// server's alone.
	dir := b.TempDir()
	for i, p := range payloads {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.zst", i)), p, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	key := base64.StdEncoding.EncodeToString(priv)
	run := func(n int) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIngestLoadClient$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MONSYS_LOAD_URL="+url, "MONSYS_LOAD_TOKEN="+token, "MONSYS_LOAD_AGENT="+agentID,
			"MONSYS_LOAD_KEY="+key, "MONSYS_LOAD_DIR="+dir, "MONSYS_LOAD_N="+fmt.Sprint(n), "MONSYS_LOAD_CONC=4")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("load client: %v\n%s", err, out)
		}
	}
	run(20) // warm the series cache and the connections' buffers
	sink.samples.Store(0)
	cpu0 := cpuTime()
	b.ResetTimer()
	run(b.N)
	b.StopTimer()
	samples := float64(sink.samples.Load())
	b.ReportMetric(samples/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/samples, "server-cpu-ns/sample")
	b.ReportMetric(samples/(cpuTime()-cpu0).Seconds(), "samples/cpu-s")
}

// TestIngestLoadClient is the benchmark's load generator when run as a
// child process; in a normal test run it has nothing to do and returns.
func TestIngestLoadClient(t *testing.T) {
	url := os.Getenv("MONSYS_LOAD_URL")
	if url == "" {
		return
	}
	keyRaw, _ := base64.StdEncoding.DecodeString(os.Getenv("MONSYS_LOAD_KEY"))
	priv := ed25519.PrivateKey(keyRaw)
	files, _ := filepath.Glob(filepath.Join(os.Getenv("MONSYS_LOAD_DIR"), "*.zst"))
	var payloads [][]byte
	for _, f := range files {
		p, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, p)
	}
	n, _ := strconv.Atoi(os.Getenv("MONSYS_LOAD_N"))
	conc, _ := strconv.Atoi(os.Getenv("MONSYS_LOAD_CONC"))
	token, agentID := os.Getenv("MONSYS_LOAD_TOKEN"), os.Getenv("MONSYS_LOAD_AGENT")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, DisableCompression: true}}
	defer client.CloseIdleConnections() // this process's TestMain checks for leaked goroutines
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				body := payloads[i%int64(len(payloads))]
				ts, sig := wire.Sign(priv, wire.PurposeIngest, agentID, time.Now(), body)
				req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Content-Encoding", "zstd")
				req.Header.Set(wire.HeaderTimestamp, ts)
				req.Header.Set(wire.HeaderSignature, sig)
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
