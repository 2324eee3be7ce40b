package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/store"
)

// agentFleet registers one agent per hostname in a fresh tenant and returns
// the tenant and the agent ids by hostname (the last one for duplicates).
func agentFleet(t *testing.T, f fixture, hostnames ...string) (uuid.UUID, map[string]uuid.UUID) {
	t.Helper()
	et := f.enrollment(t, f.tenant(t, "fleet").Tenant.ID, 0)
	ids := make(map[string]uuid.UUID, len(hostnames))
	for _, h := range hostnames {
		r := registration(t, et, "machine-"+uuid.NewString(), nil)
		r.Hostname = h
		ids[h] = mustRegister(t, f.st, r).Agent.ID
	}
	return et.TenantID, ids
}

func hostnamesOf(agents []store.Agent) []string {
	out := make([]string, len(agents))
	for i, a := range agents {
		out[i] = a.Hostname
	}
	return out
}

func TestAgentsHostnameFilterIsLiteralAndCaseInsensitive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tenant, _ := agentFleet(t, f, "web_1", "webx1", "web%2", "web-2", `back\slash`, "backslash", "DB-1", "db-2")
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{"_", []string{"web_1"}},
		{"%", []string{"web%2"}},
		{`\`, []string{`back\slash`}},
		{"WEB_", []string{"web_1"}},
		{"b%", []string{"web%2"}},
		{"db", []string{"DB-1", "db-2"}},
		{"web", []string{"web%2", "web-2", "web_1", "webx1"}},
		{"nothing", nil},
	} {
		got, err := f.st.Agents(context.Background(), tenant, store.AgentFilter{Hostname: tc.filter, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		names := hostnamesOf(got)
		slices.Sort(names)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("hostname filter %q = %q, want %q", tc.filter, names, want)
		}
	}
}

func TestAgentsStatusFilter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tenant, ids := agentFleet(t, f, "never-seen", "fresh", "silent", "slow-but-on-time", "deleted")
	f.exec(t, `UPDATE agents SET last_seen_at = now() - interval '10 seconds' WHERE id = $1`, ids["fresh"])
	// Offline after three missed beats of the default 30 s interval …
	f.exec(t, `UPDATE agents SET last_seen_at = now() - interval '10 minutes' WHERE id = $1`, ids["silent"])
	// … but an agent reporting every 10 minutes is online for 30.
	f.exec(t, `UPDATE agents SET last_seen_at = now() - interval '10 minutes', heartbeat_interval_s = 600 WHERE id = $1`,
		ids["slow-but-on-time"])
	if err := f.st.DeleteAgent(ctx, tenant, ids["deleted"], audit.Event{}); err != nil {
		t.Fatal(err)
	}

	for status, want := range map[string][]string{
		"":                  {"fresh", "never-seen", "silent", "slow-but-on-time"},
		store.StatusPending: {"never-seen"},
		store.StatusOnline:  {"fresh", "slow-but-on-time"},
		store.StatusOffline: {"silent"},
	} {
		got, err := f.st.Agents(ctx, tenant, store.AgentFilter{Status: status, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if names := hostnamesOf(got); !slices.Equal(names, want) {
			t.Errorf("status %q: %q, want %q", status, names, want)
		}
		for _, a := range got {
			if status != "" && a.Status != status {
				t.Errorf("status %q lists %s with status %q", status, a.Hostname, a.Status)
			}
		}
	}
}

func TestAgentsCursorPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// Three agents share a hostname, so pages of two must split them and
	// the id must order them.
	tenant, _ := agentFleet(t, f, "kilo", "dup", "alpha", "dup", "zulu", "dup", "mike", "bravo")
	all, err := f.st.Agents(ctx, tenant, store.AgentFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 8 {
		t.Fatalf("%d agents listed, want 8", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b store.Agent) int {
		if a.Hostname != b.Hostname {
			return 0 // the server's collation orders hostnames
		}
		return slices.Compare(a.ID[:], b.ID[:])
	}) {
		t.Errorf("agents with the same hostname are not ordered by id: %v", all)
	}

	var walked []store.Agent
	filter := store.AgentFilter{Limit: 2}
	for pages := 0; ; pages++ {
		if pages > len(all) {
			t.Fatalf("pagination does not end: %d pages", pages)
		}
		page, err := f.st.Agents(ctx, tenant, filter)
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, page...)
		if len(page) < filter.Limit {
			break
		}
		last := page[len(page)-1]
		filter.After = &store.AgentCursor{Hostname: last.Hostname, ID: last.ID}
	}
	gotIDs, wantIDs := idsOf(walked), idsOf(all)
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("paged walk = %v\n want the full listing %v", gotIDs, wantIDs)
	}
}

func idsOf(agents []store.Agent) []uuid.UUID {
	out := make([]uuid.UUID, len(agents))
	for i, a := range agents {
		out[i] = a.ID
	}
	return out
}
