package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/store"
)

// Fleet shape of the search benchmark: searchAgents agents with
// searchPackages packages each. openssl is on every agent in one of four
// versions, rare-tool on one agent in a thousand.
const (
	searchAgents   = 3000
	searchPackages = 200
)

const loadSearchFleetSQL = `
WITH ag AS (
  INSERT INTO agents (id, tenant_id, machine_id, hostname, last_seen_at)
  SELECT gen_random_uuid(), $1, 'm-' || i, 'host-' || lpad(i::text, 5, '0'), now() FROM generate_series(1, $2) AS i
  RETURNING id, tenant_id, substr(machine_id, 3)::int AS i
), snap AS (
  INSERT INTO inventory_snapshots (tenant_id, agent_id, kind, collected_at, items, items_sha256)
  SELECT tenant_id, id, 'packages', now(), '[]', '\x00' FROM ag
  RETURNING id, agent_id
)
INSERT INTO inventory_items (tenant_id, agent_id, kind, key, name, version, item, snapshot_id)
SELECT ag.tenant_id, ag.id, 'packages', p.name || '/amd64', p.name, p.version,
  jsonb_build_object('name', p.name, 'version', p.version, 'arch', 'amd64', 'manager', 'dpkg'), snap.id
FROM ag JOIN snap ON snap.agent_id = ag.id
CROSS JOIN LATERAL (
  SELECT CASE WHEN n = 1 THEN 'openssl' WHEN n = 2 AND ag.i % 1000 = 0 THEN 'rare-tool' ELSE 'lib' || md5(n::text) END AS name,
         CASE WHEN n = 1 THEN '3.0.' || (ag.i % 4) ELSE '1.' || n END AS version
  FROM generate_series(1, $3) AS n
) p`

// BenchmarkInventorySearch measures GET /inventory/search's query over a
// fleet of 3000 agents × 200 packages (600 000 latest items): one page of
// up to 50 hits per operation.
func BenchmarkInventorySearch(b *testing.B) {
	ctx := context.Background()
	pool := db.New(b)
	tenant := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO tenants (id, slug, name) VALUES ($1, 'bench', 'bench')`, tenant); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := pool.Exec(ctx, loadSearchFleetSQL, tenant, searchAgents, searchPackages); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE agents; ANALYZE inventory_items; ANALYZE inventory_snapshots`); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d agents × %d packages in %s", searchAgents, searchPackages, time.Since(start).Round(time.Millisecond))
	st := store.New(pool)
	for _, c := range []struct {
		name string
		q    store.SearchQuery
		want int
	}{
		{"exact-on-every-agent", store.SearchQuery{Kind: "packages", Name: "openssl", Limit: 50}, 50},
		{"exact-one-version", store.SearchQuery{Kind: "packages", Name: "openssl", Version: "3.0.2", Limit: 50}, 50},
		{"exact-rare", store.SearchQuery{Kind: "packages", Name: "rare-tool", Limit: 50}, searchAgents / 1000},
		{"prefix", store.SearchQuery{Kind: "packages", Name: "libc", Prefix: true, Limit: 50}, 50},
		{"absent", store.SearchQuery{Kind: "packages", Name: "no-such-package", Limit: 50}, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				hits, err := st.SearchInventory(ctx, tenant, c.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(hits) != c.want {
					b.Fatalf("%d hits, want %d", len(hits), c.want)
				}
			}
		})
	}
}
