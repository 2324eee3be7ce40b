package vuln_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/vuln"
	"github.com/monsys/monsys/wire"
)

// Scale of BenchmarkFleetMatch, from the environment (issue 22's target
// by default): agents, packages per agent, OSV records of the synthetic
// Debian export, and source packages they name.
func benchScale(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// syntheticDebianExport writes a zip shaped like osv.dev's Debian/all.zip:
// DEBIAN-CVE-* records, each naming one source package with an entry per
// release (Debian:11, 12, 13), fixed versions carrying the release's
// +debNNuM suffix, one record in thirty unfixed, CVSS v3 vectors.
func syntheticDebianExport(b *testing.B, dir string, records, sources int) string {
	path := filepath.Join(dir, "all.zip")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	zw := zip.NewWriter(f)
	rng := rand.New(rand.NewPCG(22, 1))
	vectors := []string{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}
	for i := range records {
		id := fmt.Sprintf("CVE-%d-%05d", 2015+i%10, i)
		src := fmt.Sprintf("pkg%04d", rng.IntN(sources))
		var affected []map[string]any
		for _, rel := range []int{11, 12, 13} {
			events := []map[string]string{{"introduced": "0"}}
			if rng.IntN(30) != 0 {
				events = append(events, map[string]string{"fixed": fmt.Sprintf("1.%d-1+deb%du%d", rng.IntN(20), rel, 1+rng.IntN(5))})
			}
			affected = append(affected, map[string]any{"package": map[string]string{"ecosystem": fmt.Sprintf("Debian:%d", rel), "name": src},
				"ranges": []map[string]any{{"type": "ECOSYSTEM", "events": events}}})
		}
		rec := map[string]any{"id": "DEBIAN-" + id, "modified": "2024-09-18T03:23:12Z", "upstream": []string{id},
			"details":  "Synthetic record " + id + " in " + src + ": a flaw shaped like a real one.",
			"severity": []map[string]string{{"type": "CVSS_V3", "score": vectors[rng.IntN(len(vectors))]}}, "affected": affected}
		w, err := zw.Create("DEBIAN-" + id + ".json")
		if err != nil {
			b.Fatal(err)
		}
		if err := json.NewEncoder(w).Encode(rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// loadFleetSQL writes agents, Debian 12 host facts and packages straight
// into the store's tables, as bench/load does for metrics: agent a holds
// packages pkg((a*7 + i*3) mod sources), nine in ten at the newest version
// 1.19-1+deb12u1, the others older.
const loadFleetSQL = `WITH ag AS (
  INSERT INTO agents (id, tenant_id, machine_id, hostname)
  SELECT gen_random_uuid(), $1, 'bench-' || a, 'host-' || lpad(a::text, 5, '0') FROM generate_series(0, $2 - 1) a
  RETURNING id, hostname
), n AS (SELECT id, substr(hostname, 6)::int AS a FROM ag),
host AS (
  INSERT INTO inventory_snapshots (tenant_id, agent_id, kind, collected_at, items, items_sha256, error)
  SELECT $1, id, 'host', now(), '{"platform":"debian","platform_version":"12.7"}', '\x00', '' FROM n RETURNING id, agent_id
), pk AS (
  INSERT INTO inventory_snapshots (tenant_id, agent_id, kind, collected_at, items, items_sha256, error)
  SELECT $1, id, 'packages', now(), '[]', '\x00', '' FROM n RETURNING id, agent_id
), lat AS (
  INSERT INTO inventory_latest (agent_id, kind, tenant_id, snapshot_id, seen_at)
  SELECT agent_id, 'host', $1, id, now() FROM host UNION ALL SELECT agent_id, 'packages', $1, id, now() FROM pk
)
INSERT INTO inventory_items (tenant_id, agent_id, kind, key, name, version, item, snapshot_id)
SELECT $1, n.id, 'packages', p.name || '/amd64', p.name, p.version,
  jsonb_build_object('name', p.name, 'version', p.version, 'arch', 'amd64', 'manager', 'dpkg'), pk.id
FROM n JOIN pk ON pk.agent_id = n.id
CROSS JOIN LATERAL (SELECT 'pkg' || lpad(((n.a * 7 + i * 3) % $4)::text, 4, '0') AS name,
  '1.' || CASE WHEN (n.a + i) % 10 = 0 THEN (n.a + i) % 20 ELSE 19 END || '-1+deb12u1' AS version
  FROM generate_series(0, $3 - 1) i) p`

func benchLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// peakHeap samples the Go heap in use until stopped.
type peakHeap struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func watchHeap() *peakHeap {
	p := &peakHeap{stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > p.peak.Load() {
				p.peak.Store(ms.HeapInuse)
			}
			select {
			case <-p.stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return p
}

func (p *peakHeap) done() uint64 {
	close(p.stop)
	p.wg.Wait()
	return p.peak.Load()
}

func quantile(ds []time.Duration, q float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// BenchmarkFleetMatch is issue 22's performance case, run once whatever
// b.N: a synthetic Debian OSV export imported, every agent matched from
// nothing (time, peak Go heap, findings), one agent's packages changed
// through the store's agent-report path and rematched (repeated), and the
// first page of the fleet's findings and, apart, its severity counts (10
// times each).
// MONSYS_BENCH_RESULTS names a JSON file for the figures.
//
//	go test -run '^$' -bench BenchmarkFleetMatch -benchtime 1x -timeout 60m ./vuln
func BenchmarkFleetMatch(b *testing.B) {
	agents, perAgent := benchScale("MONSYS_BENCH_CVE_AGENTS", 3000), benchScale("MONSYS_BENCH_CVE_PACKAGES", 2000)
	records, sources := benchScale("MONSYS_BENCH_CVE_RECORDS", 40000), benchScale("MONSYS_BENCH_CVE_SOURCES", 6000)
	ctx := context.Background()
	b.StopTimer()
	pool := db.New(b)
	st := store.New(pool)
	bs, err := st.CreateTenantWithOwner(ctx, "Bench", "bench", "owner@bench.test", "$argon2id$v=19$m=32768,t=2,p=1$c2FsdA$a2V5")
	if err != nil {
		b.Fatal(err)
	}
	svc := vuln.New(pool, st, vuln.Config{AlertSeverity: "none"}, benchLogger())
	dir, err := os.MkdirTemp("", "osv-bench")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)

	res := map[string]any{"agents": agents, "packages_per_agent": perAgent, "records": records, "source_packages": sources,
		"cpus": runtime.NumCPU(), "started_at": time.Now().UTC().Format(time.RFC3339)}
	zipPath := syntheticDebianExport(b, dir, records, sources)
	t0 := time.Now()
	imp, err := svc.Import(ctx, zipPath)
	if err != nil {
		b.Fatal(err)
	}
	res["import_s"] = time.Since(t0).Seconds()
	t0 = time.Now()
	if _, err := pool.Exec(ctx, loadFleetSQL, bs.Tenant.ID, agents, perAgent, sources); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	res["load_fleet_s"] = time.Since(t0).Seconds()
	b.Logf("imported %d records in %.1f s; fleet of %d×%d loaded in %.1f s", imp.Changed, res["import_s"], agents, perAgent, res["load_fleet_s"])

	runtime.GC()
	heap := watchHeap()
	b.StartTimer()
	t0 = time.Now()
	n, err := svc.RematchDue(ctx)
	full := time.Since(t0)
	b.StopTimer()
	if err != nil || n != agents {
		b.Fatalf("full rematch matched %d agents, %v", n, err)
	}
	res["full_rematch_s"] = full.Seconds()
	res["full_rematch_peak_go_heap_mib"] = float64(heap.done()) / (1 << 20)
	var findings int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM vuln_findings`).Scan(&findings); err != nil {
		b.Fatal(err)
	}
	res["findings"] = findings

	// One agent's packages change (a new snapshot through the ingest
	// flush's store call); the job rematches it alone.
	var agentID uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT id FROM agents WHERE hostname = 'host-00042'`).Scan(&agentID); err != nil {
		b.Fatal(err)
	}
	var one []time.Duration
	for r := range 20 {
		pkgs := make([]wire.Package, perAgent)
		for i := range pkgs {
			name := fmt.Sprintf("pkg%04d", (42*7+i*3)%sources)
			v := 19
			if (42+i+r+1)%10 == 0 {
				v = (42 + i + r + 1) % 20
			}
			pkgs[i] = wire.Package{Name: name, Version: fmt.Sprintf("1.%d-1+deb12u1", v), Arch: "amd64", Manager: "dpkg"}
		}
		items, _ := json.Marshal(pkgs)
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			return st.RecordAgentReports(ctx, tx, []store.AgentReport{{TenantID: bs.Tenant.ID, AgentID: agentID,
				Inventory: []wire.InventoryPart{{Kind: wire.KindPackages, Items: items, CollectedAt: time.Now().UnixMilli()}}}})
		})
		if err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		n, err := svc.RematchDue(ctx)
		one = append(one, time.Since(t0))
		if err != nil || n != 1 {
			b.Fatalf("one agent's change rematched %d agents, %v", n, err)
		}
	}
	res["one_agent_rematch_ms_p50"] = float64(quantile(one, 0.5).Microseconds()) / 1000
	res["one_agent_rematch_ms_p95"] = float64(quantile(one, 0.95).Microseconds()) / 1000

	var pageTimes, countTimes []time.Duration
	for range 10 {
		t0 = time.Now()
		gs, err := svc.List(ctx, bs.Tenant.ID, vuln.Filter{Limit: 50})
		pageTimes = append(pageTimes, time.Since(t0))
		if err != nil || len(gs) != 50 {
			b.Fatalf("first page: %d groups, %v", len(gs), err)
		}
		t0 = time.Now()
		if _, err := svc.SeverityCounts(ctx, bs.Tenant.ID, nil); err != nil {
			b.Fatal(err)
		}
		countTimes = append(countTimes, time.Since(t0))
	}
	res["first_page_ms_p50"] = float64(quantile(pageTimes, 0.5).Microseconds()) / 1000
	res["first_page_ms_p95"] = float64(quantile(pageTimes, 0.95).Microseconds()) / 1000
	res["severity_counts_ms_p50"] = float64(quantile(countTimes, 0.5).Microseconds()) / 1000
	res["severity_counts_ms_p95"] = float64(quantile(countTimes, 0.95).Microseconds()) / 1000

	b.ReportMetric(full.Seconds(), "full-rematch-s")
	b.ReportMetric(res["full_rematch_peak_go_heap_mib"].(float64), "peak-heap-MiB")
	b.ReportMetric(res["one_agent_rematch_ms_p95"].(float64), "one-agent-p95-ms")
	b.ReportMetric(res["first_page_ms_p95"].(float64), "first-page-p95-ms")
	out, _ := json.MarshalIndent(res, "", "  ")
	b.Logf("%s", out)
	if p := os.Getenv("MONSYS_BENCH_RESULTS"); p != "" {
		if err := os.WriteFile(p, append(out, '\n'), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}
