package integrity_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/integrity"
	"github.com/monsys/monsys/internal/pgtest"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/wire"
)

var db *pgtest.Harness

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &db)) }

type fleet struct {
	t      *testing.T
	pool   *pgxpool.Pool
	st     *store.Store
	tenant uuid.UUID
}

func newFleet(t *testing.T) *fleet {
	pool := db.New(t)
	st := store.New(pool)
	b, err := st.CreateTenantWithOwner(context.Background(), "Acme", "acme", "owner@acme.test", "$argon2id$v=19$m=32768,t=2,p=1$c2FsdA$a2V5")
	if err != nil {
		t.Fatal(err)
	}
	return &fleet{t: t, pool: pool, st: st, tenant: b.Tenant.ID}
}

func (f *fleet) agent(machineID, host string) uuid.UUID {
	f.t.Helper()
	_, hash, err := auth.NewToken(auth.KindAgent)
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := f.st.RegisterAgent(context.Background(), store.Registration{TenantID: f.tenant, MachineID: machineID, Hostname: host, NewTokenHash: hash})
	if err != nil {
		f.t.Fatal(err)
	}
	return r.Agent.ID
}

// report sends what an ingest batch would: a heartbeat and, when dna is
// set, a host inventory carrying it.
func (f *fleet) report(agent uuid.UUID, version, binary string, dna *wire.HostDNA) {
	f.t.Helper()
	r := store.AgentReport{TenantID: f.tenant, AgentID: agent, Heartbeat: &wire.Heartbeat{UptimeS: 60, AgentVersion: version, BinarySHA256: binary}}
	if dna != nil {
		items, err := json.Marshal(wire.HostInfo{OS: "linux", MachineID: "x", DNA: dna})
		if err != nil {
			f.t.Fatal(err)
		}
		r.Inventory = []wire.InventoryPart{{Kind: wire.KindHost, Items: items, CollectedAt: time.Now().UnixMilli()}}
	}
	if err := pgx.BeginFunc(context.Background(), f.pool, func(tx pgx.Tx) error {
		return f.st.RecordAgentReports(context.Background(), tx, []store.AgentReport{r})
	}); err != nil {
		f.t.Fatal(err)
	}
}

// anomalies are the open anomaly kinds per agent.
func (f *fleet) anomalies() map[uuid.UUID][]string {
	f.t.Helper()
	out := map[uuid.UUID][]string{}
	rows, _ := f.pool.Query(context.Background(), `SELECT agent_id, kind FROM integrity_anomalies WHERE resolved_at IS NULL ORDER BY created_at, kind`)
	for rows.Next() {
		var id uuid.UUID
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			f.t.Fatal(err)
		}
		out[id] = append(out[id], kind)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fleet) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func run(t *testing.T, c *integrity.Checker) {
	t.Helper()
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestVersionsAndBinaries(t *testing.T) {
	f := newFleet(t)
	dist := t.TempDir()
	build := []byte("the agent binary the hub serves")
	if err := os.WriteFile(filepath.Join(dist, "monsys-agent-linux-amd64"), build, 0o644); err != nil {
		t.Fatal(err)
	}
	served := sha256.Sum256(build)
	sum := hex.EncodeToString(served[:])
	unknownSum := strings.Repeat("ab", 32)
	c := integrity.New(f.st, integrity.NewBuilds(dist), slog.New(slog.DiscardHandler))
	a := f.agent("m-a", "web-1")

	f.report(a, "1.4.0", sum, nil)
	run(t, c)
	if n := f.count(`SELECT count(*) FROM audit_log WHERE event_type = 'agent_version_seen' AND target_id = $1`, a.String()); n != 1 {
		t.Fatalf("%d agent_version_seen rows after the first report, want 1", n)
	}
	if got := f.anomalies(); len(got) != 0 {
		t.Fatalf("anomalies %v for a served build at its first version", got)
	}
	run(t, c) // nothing moved: nothing recorded
	if n := f.count(`SELECT count(*) FROM audit_log WHERE event_type = 'agent_version_seen'`); n != 1 {
		t.Errorf("%d agent_version_seen rows after an idle pass, want 1", n)
	}

	f.report(a, "1.3.9", unknownSum, nil)
	run(t, c)
	got := f.anomalies()[a]
	if len(got) != 2 || got[0] != "agent_binary_unknown" || got[1] != "agent_version_downgrade" {
		t.Errorf("anomalies %v after a downgrade to an unknown binary, want agent_binary_unknown and agent_version_downgrade", got)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE event_type = 'agent_version_seen' AND details->>'previous_version' = '1.4.0'`); n != 1 {
		t.Errorf("%d agent_version_seen rows naming the previous version", n)
	}
	if r, err := f.st.VerifyAuditLog(context.Background(), f.tenant); err != nil || !r.OK {
		t.Errorf("audit chain after the check: %+v, %v", r, err)
	}
}

func TestMachineDNA(t *testing.T) {
	f := newFleet(t)
	c := integrity.New(f.st, nil, slog.New(slog.DiscardHandler))
	dna := func(uuid, keys, disks, macs, boot string) *wire.HostDNA {
		return &wire.HostDNA{ProductUUID: uuid, SSHHostKeys: []string{keys}, DiskSerials: []string{disks}, MACs: []string{macs}, BootID: boot}
	}
	web := f.agent("m-web", "web-1")
	db1 := f.agent("m-db", "db-1")
	f.report(web, "1.0.0", "", dna("u-web", "k-web", "d-web", "m-web", "b1"))
	f.report(db1, "1.0.0", "", dna("u-db", "k-db", "d-db", "m-db", "b1"))
	run(t, c)
	if got := f.anomalies(); len(got) != 0 {
		t.Fatalf("anomalies %v for two distinct machines", got)
	}

	// A reboot, then a new disk: explained.
	f.report(web, "1.0.0", "", dna("u-web", "k-web", "d-web", "m-web", "b2"))
	run(t, c)
	f.report(web, "1.0.0", "", dna("u-web", "k-web", "d-web2", "m-web", "b2"))
	run(t, c)
	if got := f.anomalies(); len(got) != 0 {
		t.Fatalf("anomalies %v after a reboot and a new disk", got)
	}

	// A clone of web-1 under a new machine id while web-1 still reports.
	clone := f.agent("m-clone", "web-1-copy")
	f.report(clone, "1.0.0", "", dna("u-clone", "k-web", "d-web2", "m-clone", "b9"))
	run(t, c)
	if got := f.anomalies()[clone]; len(got) != 1 || got[0] != "dna_duplicate" {
		t.Errorf("clone: anomalies %v, want dna_duplicate", got)
	}
	var shared string
	if err := f.pool.QueryRow(context.Background(), `SELECT detail->>'shared' FROM integrity_anomalies WHERE agent_id = $1`, clone).Scan(&shared); err != nil {
		t.Fatal(err)
	}
	if shared != `["ssh_host_keys", "disk_serials"]` {
		t.Errorf("the duplicate's evidence %s, want the SSH host keys and disks it shares", shared)
	}

	// db-1's disks and MACs all change at once: not explained.
	f.report(db1, "1.0.0", "", dna("u-db", "k-db", "d-other", "m-other", "b1"))
	run(t, c)
	if got := f.anomalies()[db1]; len(got) != 1 || got[0] != "dna_changed" {
		t.Errorf("db-1: anomalies %v, want dna_changed", got)
	}

	// db-1 is deleted; its machine comes back under a new machine id.
	if err := f.st.DeleteAgent(context.Background(), f.tenant, db1, audit.Event{TenantID: f.tenant.String(), ActorType: audit.ActorSystem, Type: "agent_deleted"}); err != nil {
		t.Fatal(err)
	}
	again := f.agent("m-db-reinstalled", "db-1")
	f.report(again, "1.0.0", "", dna("u-db", "k-new", "d-other", "m-other", "b3"))
	run(t, c)
	if got := f.anomalies()[again]; len(got) != 1 || got[0] != "dna_reregistered" {
		t.Errorf("reinstalled db-1: anomalies %v, want dna_reregistered", got)
	}
}
