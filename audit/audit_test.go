package audit_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/internal/pgtest"
)

var db *pgtest.Harness

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &db)) }

func event(tenant, typ string, n int) audit.Event {
	return audit.Event{TenantID: tenant, ActorType: audit.ActorUser, ActorID: uuid.NewString(), Type: typ,
		TargetType: "agent", TargetID: uuid.NewString(), IP: "192.0.2.7",
		Details: map[string]any{"n": n, "name": "<web & co>", "nested": map[string]any{"b": 1.5, "a": []any{"x", 2}}}}
}

func record(t *testing.T, q audit.Querier, e audit.Event) {
	t.Helper()
	if err := audit.Record(context.Background(), q, e); err != nil {
		t.Fatal(err)
	}
}

func verify(t *testing.T, pool *pgxpool.Pool, tenant string) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), pool, tenant)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// seed writes n events to each of two tenants and returns the tenants.
func seed(t *testing.T, pool *pgxpool.Pool, n int) (string, string) {
	t.Helper()
	a, b := uuid.NewString(), uuid.NewString()
	for i := range n {
		record(t, pool, event(a, "login_succeeded", i))
		record(t, pool, event(b, "api_key_created", i))
	}
	return a, b
}

func TestChainVerifiesPerTenant(t *testing.T) {
	t.Parallel()
	pool := db.New(t)
	a, b := seed(t, pool, 5)
	for _, tenant := range []string{a, b} {
		if rep := verify(t, pool, tenant); !rep.OK || rep.Checked != 5 || rep.Broken != nil {
			t.Fatalf("tenant %s: %+v, want ok with 5 rows", tenant, rep)
		}
	}
	rows, err := audit.List(context.Background(), pool, a, audit.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0].Seq != 5 || rows[4].Seq != 1 || rows[0].Type != "login_succeeded" {
		t.Fatalf("list: %d rows, first %+v", len(rows), rows[0])
	}
	if !strings.Contains(rows[0].Details, `"<web & co>"`) {
		t.Fatalf("details %s lost a value", rows[0].Details)
	}
	if rep := verify(t, pool, uuid.NewString()); !rep.OK || rep.Checked != 0 {
		t.Fatalf("empty chain: %+v", rep)
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	t.Parallel()
	pool := db.New(t)
	tenant := uuid.NewString()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- audit.Record(context.Background(), pool, event(tenant, "agent_registered", i)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if rep := verify(t, pool, tenant); !rep.OK || rep.Checked != n {
		t.Fatalf("%+v, want one intact chain of %d", rep, n)
	}
}

func TestRolledBackActionLeavesNoRow(t *testing.T) {
	t.Parallel()
	pool := db.New(t)
	ctx := context.Background()
	tenant := uuid.NewString()
	record(t, pool, event(tenant, "login_succeeded", 0))
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	record(t, tx, event(tenant, "role_changed", 1))
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	record(t, pool, event(tenant, "login_failed", 2))
	if rep := verify(t, pool, tenant); !rep.OK || rep.Checked != 2 {
		t.Fatalf("%+v, want an intact chain of 2", rep)
	}
}

func TestRecordRefusesBadEvents(t *testing.T) {
	t.Parallel()
	pool := db.New(t)
	for name, e := range map[string]audit.Event{
		"tenant": {TenantID: "x", ActorType: "user", Type: "login_failed"},
		"actor":  {TenantID: uuid.NewString(), ActorType: "robot", Type: "login_failed"},
		"type":   {TenantID: uuid.NewString(), ActorType: "user"},
		"large":  {TenantID: uuid.NewString(), ActorType: "user", Type: "x", Details: map[string]any{"x": strings.Repeat("a", 9000)}},
	} {
		if err := audit.Record(context.Background(), pool, e); !errors.Is(err, audit.ErrInvalidEvent) {
			t.Errorf("%s: %v, want ErrInvalidEvent", name, err)
		}
	}
}

// TestApplicationRoleCannotChangeRows proves the table is append-only for
// the hub: neither an ordinary role granted every privilege on it nor the
// connecting role itself can update, delete or truncate.
func TestApplicationRoleCannotChangeRows(t *testing.T) {
	t.Parallel()
	pool := db.New(t)
	ctx := context.Background()
	tenant, _ := seed(t, pool, 2)
	role := "monsys_app_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	for _, sql := range []string{
		"CREATE ROLE " + role,
		"GRANT ALL ON audit_log, audit_heads TO " + role,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP OWNED BY "+role+"; DROP ROLE "+role) }) // best effort: the database is dropped anyway
	for _, asRole := range []bool{true, false} {
		for _, sql := range []string{
			"UPDATE audit_log SET ip = '203.0.113.9' WHERE tenant_id = '" + tenant + "'",
			"DELETE FROM audit_log WHERE tenant_id = '" + tenant + "'",
			"TRUNCATE audit_log",
		} {
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				if asRole {
					if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+role); err != nil {
						return err
					}
				}
				_, err := tx.Exec(ctx, sql)
				return err
			})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
				t.Errorf("as app role %v: %s: %v, want insufficient_privilege", asRole, sql, err)
			}
		}
	}
	if rep := verify(t, pool, tenant); !rep.OK || rep.Checked != 2 {
		t.Fatalf("%+v", rep)
	}
}

// tamper runs sql as a superuser who switched triggers off, which is the
// only way past the append-only trigger.
func tamper(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, sql, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		sql     string
		seq     int64
		checked int64
		reason  string
	}{
		{"edit ip", "UPDATE audit_log SET ip = '203.0.113.9' WHERE tenant_id = $1 AND seq = 3", 3, 2, "content"},
		{"edit details", `UPDATE audit_log SET details = '{"n": 99}' WHERE tenant_id = $1 AND seq = 2`, 2, 1, "content"},
		{"edit time", "UPDATE audit_log SET occurred_at = occurred_at - interval '1 day' WHERE tenant_id = $1 AND seq = 1", 1, 0, "content"},
		{"edit type", "UPDATE audit_log SET event_type = 'login_failed' WHERE tenant_id = $1 AND seq = 4", 4, 3, "content"},
		{"delete middle", "DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 2", 2, 1, "missing"},
		{"delete first", "DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 1", 1, 0, "missing"},
		{"delete last", "DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 5", 5, 4, "missing from the end"},
		{"resequence", "DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 2; UPDATE audit_log SET seq = seq + 1000 WHERE tenant_id = $1 AND seq > 2; UPDATE audit_log SET seq = seq - 1001 WHERE tenant_id = $1 AND seq > 1000", 2, 1, "prev_hash"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool := db.New(t)
			a, b := seed(t, pool, 5)
			if strings.Contains(tc.sql, ";") {
				for _, part := range strings.Split(tc.sql, ";") {
					tamper(t, pool, part, a)
				}
			} else {
				tamper(t, pool, tc.sql, a)
			}
			rep := verify(t, pool, a)
			if rep.OK || rep.Broken == nil || rep.Broken.Seq != tc.seq || rep.Checked != tc.checked || !strings.Contains(rep.Broken.Reason, tc.reason) {
				t.Fatalf("report %+v (break %+v), want a break at seq %d after %d rows, reason about %q", rep, rep.Broken, tc.seq, tc.checked, tc.reason)
			}
			if rep := verify(t, pool, b); !rep.OK {
				t.Fatalf("the other tenant's chain broke too: %+v", rep.Broken)
			}
		})
	}
}
