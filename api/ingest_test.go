package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/prometheus/prompb"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

// pinnedAgent is an agent whose signing key is pinned, as every real
// agent's is after registration.
type pinnedAgent struct {
	testAgent
	key signingKey
}

func (e *env) pinnedAgent(tenantID uuid.UUID, hostname string) pinnedAgent {
	e.t.Helper()
	key := newSigningKey(e.t)
	token, hash, err := auth.NewToken(auth.KindAgent)
	if err != nil {
		e.t.Fatal(err)
	}
	machine := "machine-" + uuid.NewString()
	res, err := e.st.RegisterAgent(context.Background(), store.Registration{TenantID: tenantID, MachineID: machine,
		Hostname: hostname, Pubkey: key.Pub, NewTokenHash: hash})
	if err != nil {
		e.t.Fatal(err)
	}
	return pinnedAgent{testAgent{ID: res.Agent.ID, MachineID: machine, Hostname: hostname, Token: token}, key}
}

// batch builds a small batch with recent samples.
func freshBatch(series, samples int) *wire.Batch {
	b := &wire.Batch{BatchID: uuid.Must(uuid.NewV7()).String()}
	base := time.Now().Add(-time.Minute).UnixMilli()
	for i := range series {
		m := wire.Metric{Name: "load1", Labels: map[string]string{"core": strconv.Itoa(i)}}
		for j := range samples {
			m.Samples = append(m.Samples, wire.Sample{TimeMs: base + int64(j)*1000, Value: float64(i + j)})
		}
		b.Metrics = append(b.Metrics, m)
	}
	return b
}

func zstdBody(t testing.TB, raw []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeAll(raw, nil)
}

// ingest sends body as the agent, signed with its key at now.
func (e *env) ingest(a pinnedAgent, body []byte, encoding string, now time.Time, extra ...string) reply {
	e.t.Helper()
	ts, sig := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
	hdr := append([]string{"Content-Encoding", encoding, wire.HeaderTimestamp, ts, wire.HeaderSignature, sig}, extra...)
	return e.do("POST", "/api/v1/ingest", a.cred(), body, hdr...)
}

func (e *env) sampleCount() int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM samples`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestIngestStatusContract walks the answers of DESIGN.md §4, one case each.
func TestIngestStatusContract(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	now := time.Now()

	wb := freshBatch(3, 2)
	body := zstdBody(t, wire.AppendBatchJSON(nil, wb))
	var ok wire.IngestResponse
	e.ingest(a, body, "zstd", now).want(t, http.StatusOK, &ok)
	if ok.BatchID != wb.BatchID || ok.Samples != 6 || ok.Duplicate {
		t.Fatalf("first answer %+v", ok)
	}
	if n := e.sampleCount(); n != 6 {
		t.Fatalf("%d samples stored after the 200, want 6", n)
	}
	e.ingest(a, body, "zstd", now).want(t, http.StatusOK, &ok)
	if !ok.Duplicate || e.sampleCount() != 6 {
		t.Fatalf("resend: %+v with %d samples stored; want duplicate and still 6", ok, e.sampleCount())
	}

	cases := []struct {
		name   string
		send   func() reply
		status int
		detail string
	}{
		{"same batch id, other body", func() reply {
			other := *wb
			other.Metrics = other.Metrics[:1]
			return e.ingest(a, wire.AppendBatchJSON(nil, &other), "identity", now)
		}, http.StatusUnprocessableEntity, "different body"},
		{"no token", func() reply {
			return e.do("POST", "/api/v1/ingest", cred{}, body, "Content-Encoding", "zstd")
		}, http.StatusUnauthorized, "agent token"},
		{"unknown token", func() reply {
			tok, _, _ := auth.NewToken(auth.KindAgent)
			return e.do("POST", "/api/v1/ingest", cred{Bearer: tok}, body, "Content-Encoding", "zstd")
		}, http.StatusUnauthorized, "unknown"},
		{"bad signature", func() reply {
			other := e.pinnedAgent(fx.Tenant.ID, "web-2")
			ts, sig := wire.Sign(other.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
			return e.do("POST", "/api/v1/ingest", a.cred(), body, "Content-Encoding", "zstd", wire.HeaderTimestamp, ts, wire.HeaderSignature, sig)
		}, http.StatusUnauthorized, "signature"},
		{"malformed JSON", func() reply {
			return e.ingest(a, []byte(`{"batch_id":`), "identity", now)
		}, http.StatusBadRequest, "at byte"},
		{"invalid metric name", func() reply {
			bad := freshBatch(1, 1)
			bad.Metrics[0].Name = "9-lives"
			return e.ingest(a, wire.AppendBatchJSON(nil, bad), "identity", now)
		}, http.StatusUnprocessableEntity, "metrics[0].name"},
		{"sample older than retention", func() reply {
			old := freshBatch(1, 1)
			old.Metrics[0].Samples[0].TimeMs = now.AddDate(-1, 0, 0).UnixMilli()
			return e.ingest(a, wire.AppendBatchJSON(nil, old), "identity", now)
		}, http.StatusUnprocessableEntity, "sample times must lie between"},
		{"alert with an unknown state", func() reply {
			al := &wire.Batch{BatchID: uuid.NewString(), Alerts: []wire.Alert{{Key: "k", Severity: "critical", State: "exploded"}}}
			return e.ingest(a, wire.AppendBatchJSON(nil, al), "identity", now)
		}, http.StatusUnprocessableEntity, "firing or resolved"},
		{"corrupt zstd", func() reply {
			return e.ingest(a, []byte("not zstd at all"), "zstd", now)
		}, http.StatusBadRequest, "corrupt"},
		{"unknown encoding", func() reply {
			return e.ingest(a, body, "br", now)
		}, http.StatusUnsupportedMediaType, "zstd, gzip or identity"},
		{"decoded body over the cap", func() reply {
			// 33 MiB of spaces is valid JSON whitespace, compressed to a few KiB.
			return e.ingest(a, zstdBody(t, bytes.Repeat([]byte(" "), 33<<20)), "zstd", now)
		}, http.StatusRequestEntityTooLarge, "decoded body exceeds"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.send().wantProblem(t, tc.status)
			blob := p.Detail
			for _, fe := range p.Errors {
				blob += " " + fe.Field + ": " + fe.Message
			}
			if !strings.Contains(blob, tc.detail) {
				t.Errorf("problem %q does not say %q", blob, tc.detail)
			}
		})
	}
	if n := e.sampleCount(); n != 6 {
		t.Fatalf("%d samples after the refusals, want still 6", n)
	}
}

func TestIngestRateLimitIsPerAgent(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	flood, quiet := e.pinnedAgent(fx.Tenant.ID, "flood"), e.pinnedAgent(fx.Tenant.ID, "quiet")
	now := time.Now()
	for i := range 60 {
		r := e.ingest(flood, wire.AppendBatchJSON(nil, freshBatch(1, 1)), "identity", now)
		if r.Status != http.StatusOK {
			t.Fatalf("batch %d: %d %s", i+1, r.Status, r.Body)
		}
		if i == 0 && r.Header.Get("RateLimit-Policy") != `"ingest";q=60;w=60` {
			t.Errorf("RateLimit-Policy %q", r.Header.Get("RateLimit-Policy"))
		}
	}
	r := e.ingest(flood, wire.AppendBatchJSON(nil, freshBatch(1, 1)), "identity", now)
	r.wantProblem(t, http.StatusTooManyRequests)
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q, want 1..60 seconds", r.Header.Get("Retry-After"))
	}
	if rl := r.Header.Get("RateLimit"); !strings.HasPrefix(rl, `"ingest";r=0;t=`) {
		t.Errorf("RateLimit %q, want r=0", rl)
	}
	e.ingest(quiet, wire.AppendBatchJSON(nil, freshBatch(1, 1)), "identity", now).want(t, http.StatusOK, nil)
}

// TestIngestSignatureMatrix: only the valid signature is accepted.
func TestIngestSignatureMatrix(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	a, other := e.pinnedAgent(fx.Tenant.ID, "a"), e.pinnedAgent(fx.Tenant.ID, "b")
	now := time.Now()
	send := func(body []byte, ts, sig string) reply {
		hdr := []string{"Content-Encoding", "identity"}
		if ts != "" {
			hdr = append(hdr, wire.HeaderTimestamp, ts)
		}
		if sig != "" {
			hdr = append(hdr, wire.HeaderSignature, sig)
		}
		return e.do("POST", "/api/v1/ingest", a.cred(), body, hdr...)
	}
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 1
		return c
	}
	cases := []struct {
		name string
		run  func(body []byte) reply
		ok   bool
	}{
		{"valid", func(body []byte) reply {
			ts, sig := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
			return send(body, ts, sig)
		}, true},
		{"bit flipped in body", func(body []byte) reply {
			ts, sig := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
			return send(flip(body, len(body)-3), ts, sig)
		}, false},
		{"timestamp changed", func(body []byte) reply {
			ts, sig := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
			n, _ := strconv.ParseInt(ts, 10, 64)
			return send(body, strconv.FormatInt(n+1, 10), sig)
		}, false},
		{"bit flipped in signature", func(body []byte) reply {
			ts, sig := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
			raw, _ := wire.ParseSignature(sig)
			raw[7] ^= 1
			return send(body, ts, "ed25519="+base64.StdEncoding.EncodeToString(raw))
		}, false},
		{"another agent's key", func(body []byte) reply {
			ts, sig := wire.Sign(other.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
			return send(body, ts, sig)
		}, false},
		{"signed for another agent id", func(body []byte) reply {
			ts, sig := wire.Sign(a.key.Priv, wire.PurposeIngest, other.ID.String(), now, body)
			return send(body, ts, sig)
		}, false},
		// ±302 s from the moment of sending: timestamps are whole seconds, so
		// ±301 s can land on 300 s when the request crosses a second; the
		// exact edge is tested with a fixed clock in wire.
		{"timestamp 302 s old", func(body []byte) reply {
			ts, sig := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), time.Now().Add(-302*time.Second), body)
			return send(body, ts, sig)
		}, false},
		{"timestamp 302 s ahead", func(body []byte) reply {
			ts, sig := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), time.Now().Add(302*time.Second), body)
			return send(body, ts, sig)
		}, false},
		{"missing signature", func(body []byte) reply {
			ts, _ := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
			return send(body, ts, "")
		}, false},
		{"malformed header", func(body []byte) reply {
			ts, _ := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
			return send(body, ts, "ed25519=%%%")
		}, false},
		{"wrong algorithm label", func(body []byte) reply {
			ts, sig := wire.Sign(a.key.Priv, wire.PurposeIngest, a.ID.String(), now, body)
			return send(body, ts, "hmac-sha256="+strings.TrimPrefix(sig, "ed25519="))
		}, false},
	}
	accepted := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.run(wire.AppendBatchJSON(nil, freshBatch(1, 1)))
			if tc.ok {
				r.want(t, http.StatusOK, nil)
				accepted++
				return
			}
			if p := r.wantProblem(t, http.StatusUnauthorized); !strings.Contains(p.Detail, "signature") && !strings.Contains(p.Detail, "timestamp") {
				t.Errorf("detail %q says nothing of the signature", p.Detail)
			}
		})
	}
	if n := e.sampleCount(); n != accepted {
		t.Fatalf("%d samples stored, want %d (the valid batch only)", n, accepted)
	}
}

var updateBombs = flag.Bool("update-bombs", false, "rewrite testdata/bomb-*.bin")

// bomb returns a body of 1 GiB of zeros compressed as kind, kept in
// testdata: making one takes minutes under the race detector. Regenerate
// with go test -run Bombs -update-bombs ./api.
func bomb(t *testing.T, kind string) []byte {
	t.Helper()
	path := filepath.Join("testdata", "bomb-"+kind+".bin")
	if !*updateBombs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (regenerate with -update-bombs)", err)
		}
		return b
	}
	var out bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch kind {
	case "gzip":
		zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
		w = zw
	case "zstd", "zstd-declared":
		zw, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		if kind == "zstd-declared" {
			zw.ResetContentSize(&out, 1<<30) // the frame announces its 1 GiB
		} else {
			zw.Reset(&out)
		}
		w = zw
	}
	chunk := make([]byte, 1<<20)
	for range 1 << 10 {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestIngestDecompressionBombs: under 1 MiB on the wire, 1 GiB inflated.
// The hub must stop at its 32 MiB cap while decoding, answer 413 at once,
// and its heap must not grow by more than 64 MiB for the request.
func TestIngestDecompressionBombs(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	for _, kind := range []string{"gzip", "zstd", "zstd-declared"} {
		t.Run(kind, func(t *testing.T) {
			e := e.with(t)
			enc, _, _ := strings.Cut(kind, "-")
			body := bomb(t, kind)
			if len(body) >= 1<<20 {
				t.Fatalf("the %s bomb is %d bytes, want under 1 MiB", enc, len(body))
			}
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			var peak atomic.Uint64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // sample the heap while the request runs
				defer wg.Done()
				for {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
					select {
					case <-stop:
						return
					case <-time.After(2 * time.Millisecond):
					}
				}
			}()
			start := time.Now()
			r := e.ingest(a, body, enc, time.Now())
			took := time.Since(start)
			close(stop)
			wg.Wait()
			p := r.wantProblem(t, http.StatusRequestEntityTooLarge)
			growth := int64(peak.Load()) - int64(before.HeapInuse)
			t.Logf("%s bomb: %d bytes on the wire, 413 in %v, heap growth %.1f MiB (%s)", kind, len(body), took, float64(growth)/(1<<20), p.Detail)
			if took > time.Second && !raceEnabled {
				t.Errorf("413 took %v, want under 1 s", took)
			}
			if growth > 64<<20 {
				t.Errorf("heap grew %.1f MiB for one request, want ≤ 64 MiB", float64(growth)/(1<<20))
			}
		})
	}
}

// TestIngestRefusesWhileStorageFailsAndRecovers: nothing is acknowledged
// that was not committed, and the hub recovers by itself.
func TestIngestRefusesWhileStorageFailsAndRecovers(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	body := wire.AppendBatchJSON(nil, freshBatch(2, 2))
	e.exec(`ALTER TABLE samples RENAME TO samples_away`)
	r := e.ingest(a, body, "identity", time.Now())
	r.wantProblem(t, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	e.exec(`ALTER TABLE samples_away RENAME TO samples`)
	var ok wire.IngestResponse
	e.ingest(a, body, "identity", time.Now()).want(t, http.StatusOK, &ok)
	if ok.Duplicate || e.sampleCount() != 4 {
		t.Fatalf("retry after recovery: %+v, %d samples; want a fresh commit of 4", ok, e.sampleCount())
	}
}

// TestIngestPartsReachStorage: heartbeat, inventory and alerts of a batch
// are committed with it.
func TestIngestPartsReachStorage(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	wb := freshBatch(1, 1)
	wb.Heartbeat = &wire.Heartbeat{UptimeS: 99, AgentVersion: "1.0.0", IntervalS: 10}
	wb.Inventory = []wire.InventoryPart{{Kind: "packages", Items: []byte(`[{"name":"openssl","version":"3.0.11"}]`)}}
	wb.Alerts = []wire.Alert{{Key: "disk_full:/", Severity: "critical", Summary: "97% full", State: "firing"}}
	e.ingest(a, zstdBody(t, wire.AppendBatchJSON(nil, wb)), "zstd", time.Now()).want(t, http.StatusOK, nil)
	var ag agentReply
	e.do("GET", "/api/v1/agents/"+a.ID.String(), e.session(fx, auth.RoleViewer), nil).want(t, http.StatusOK, &ag)
	if ag.Status != "online" || ag.UptimeS == nil || *ag.UptimeS != 99 || ag.AgentVersion != "1.0.0" {
		t.Errorf("agent after ingest: %+v", ag)
	}
	var kinds, alerts int
	if err := e.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM inventory_latest WHERE agent_id = $1),
		(SELECT count(*) FROM alerts WHERE agent_id = $1 AND state = 'firing')`, a.ID).Scan(&kinds, &alerts); err != nil {
		t.Fatal(err)
	}
	if kinds != 1 || alerts != 1 {
		t.Errorf("%d inventory kinds and %d firing alerts, want 1 and 1", kinds, alerts)
	}
}

// TestRemoteWriteRoundTrip: a real prompb.WriteRequest lands as series and
// samples — the tenant's own with an API key, the agent's with its token.
func TestRemoteWriteRoundTrip(t *testing.T) {
	e := newEnv(t)
	fx := e.newTenant("acme")
	key, _ := e.apiKey(fx, auth.RoleMember)
	a := e.pinnedAgent(fx.Tenant.ID, "web-1")
	now := time.Now().Add(-time.Minute).UnixMilli()
	wr := &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
		{Labels: []prompb.Label{{Name: "__name__", Value: "node_load1"}, {Name: "instance", Value: "db-1:9100"}, {Name: "job", Value: "node"}},
			Samples: []prompb.Sample{{Value: 0.5, Timestamp: now}, {Value: 0.75, Timestamp: now + 15000}}},
		{Labels: []prompb.Label{{Name: "__name__", Value: "up"}, {Name: "job", Value: "node"}},
			Samples: []prompb.Sample{{Value: 1, Timestamp: now}}},
	}}
	raw, err := wr.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	body := snappy.Encode(nil, raw)
	hdr := []string{"Content-Encoding", "snappy", "Content-Type", "application/x-protobuf", "X-Prometheus-Remote-Write-Version", "0.1.0"}
	if r := e.do("POST", "/api/v1/write", key, body, hdr...); r.Status != http.StatusNoContent {
		t.Fatalf("remote-write with an API key: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/write", a.cred(), body, hdr...); r.Status != http.StatusNoContent {
		t.Fatalf("remote-write with an agent token: %d %s", r.Status, r.Body)
	}
	rows, err := e.pool.Query(context.Background(), `SELECT s.agent_id IS NULL, s.metric, s.labels->>'instance', count(x.*), sum(x.value)
		FROM series s JOIN samples x ON x.series_id = s.id WHERE s.tenant_id = $1
		GROUP BY 1, 2, 3 ORDER BY 1, 2`, fx.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var tenantLevel bool
		var metric string
		var instance *string
		var n int
		var sum float64
		if err := rows.Scan(&tenantLevel, &metric, &instance, &n, &sum); err != nil {
			t.Fatal(err)
		}
		inst := ""
		if instance != nil {
			inst = *instance
		}
		got = append(got, fmt.Sprintf("%v %s %s %d %.2f", tenantLevel, metric, inst, n, sum))
	}
	want := []string{"false node_load1 db-1:9100 2 1.25", "false up  1 1.00", "true node_load1 db-1:9100 2 1.25", "true up  1 1.00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("stored\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	viewer, _ := e.apiKey(fx, auth.RoleViewer)
	e.do("POST", "/api/v1/write", viewer, body, hdr...).wantProblem(t, http.StatusForbidden)
	e.do("POST", "/api/v1/write", key, raw, "Content-Encoding", "identity").wantProblem(t, http.StatusUnsupportedMediaType)
}
