package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

// TestKeyedAlertTransitions: a source raises and resolves a keyed alert
// inside its own transaction; each opening and closing writes one event,
// a repeated raise refreshes the firing alert without one, and a rolled
// back transaction leaves nothing.
func TestKeyedAlertTransitions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fx := f.tenant(t, "acme")
	_, hash := newToken(t, auth.KindAgent)
	reg, err := f.st.RegisterAgent(ctx, store.Registration{TenantID: fx.Tenant.ID, MachineID: "m1", Hostname: "web-1", NewTokenHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	agent := reg.Agent.ID
	a := store.KeyedAlert{TenantID: fx.Tenant.ID, AgentID: agent, Source: store.SourceSystem, Key: "integrity:binary", Severity: "warning", Summary: "first"}
	inTx := func(fn func(pgx.Tx) error) {
		t.Helper()
		if err := pgx.BeginFunc(ctx, f.pool, fn); err != nil {
			t.Fatal(err)
		}
	}
	raise := func(a store.KeyedAlert) (opened bool) {
		t.Helper()
		inTx(func(tx pgx.Tx) error { opened, err = f.st.RaiseAlert(ctx, tx, a); return err })
		return opened
	}

	errRollback := errors.New("roll back")
	if err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		if _, err := f.st.RaiseAlert(ctx, tx, a); err != nil {
			return err
		}
		return errRollback
	}); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM alerts`); n != 0 {
		t.Fatalf("%d alerts after a rolled back raise, want 0", n)
	}

	if !raise(a) {
		t.Fatal("first raise did not open an alert")
	}
	a.Severity, a.Summary = "critical", "second"
	if raise(a) {
		t.Fatal("raising a firing key again opened a second alert")
	}
	alerts, err := f.st.Alerts(ctx, fx.Tenant.ID, store.AlertFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].State != store.AlertFiring || alerts[0].Source != store.SourceSystem ||
		alerts[0].Severity != "critical" || alerts[0].Summary != "second" {
		t.Fatalf("alerts %+v, want one firing system alert refreshed to critical/second", alerts)
	}

	var resolved bool
	inTx(func(tx pgx.Tx) error {
		resolved, err = f.st.ResolveAlertKey(ctx, tx, fx.Tenant.ID, agent, a.Key, "fixed")
		return err
	})
	if !resolved {
		t.Fatal("resolve found no firing alert")
	}
	inTx(func(tx pgx.Tx) error {
		resolved, err = f.st.ResolveAlertKey(ctx, tx, fx.Tenant.ID, agent, a.Key, "again")
		return err
	})
	if resolved {
		t.Fatal("a second resolve found a firing alert")
	}
	got, err := f.st.Alert(ctx, fx.Tenant.ID, alerts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.AlertResolved || got.ResolveNote != "fixed" || got.ResolvedAt == nil {
		t.Fatalf("after resolve: %+v", got)
	}
	evs, err := f.st.AlertEvents(ctx, fx.Tenant.ID, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].State != store.AlertFiring || evs[1].State != store.AlertResolved {
		t.Fatalf("events %+v, want firing then resolved", evs)
	}

	if !raise(a) {
		t.Fatal("the key fires again after it was resolved: want a new alert")
	}
}

// TestHubAlertTransitions: a hub alert (no agent) fires once in every
// tenant, a repeated raise refreshes it without a new event, and resolving
// closes it everywhere with one event each.
func TestHubAlertTransitions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.tenant(t, "acme")
	f.tenant(t, "other")
	tenants := f.count(t, `SELECT count(*) FROM tenants`)
	if n, err := f.st.RaiseHubAlert(ctx, "disk_low", "warning", "10 % free"); err != nil || n != tenants {
		t.Fatalf("first raise: %d, %v; want %d", n, err, tenants)
	}
	if n, err := f.st.RaiseHubAlert(ctx, "disk_low", "critical", "5 % free"); err != nil || n != 0 {
		t.Fatalf("second raise: %d, %v; want 0 opened (refreshed)", n, err)
	}
	if n := f.count(t, `SELECT count(*) FROM alerts WHERE agent_id IS NULL AND state = 'firing' AND summary = '5 % free'`); n != tenants {
		t.Fatalf("%d firing hub alerts, want one per tenant (%d)", n, tenants)
	}
	if n := f.count(t, `SELECT count(*) FROM alert_events WHERE state = 'firing'`); n != tenants {
		t.Fatalf("%d firing events, want %d", n, tenants)
	}
	if n, err := f.st.ResolveHubAlert(ctx, "disk_low", "space freed"); err != nil || n != tenants {
		t.Fatalf("resolve: %d, %v; want %d", n, err, tenants)
	}
	if n := f.count(t, `SELECT count(*) FROM alert_events WHERE state = 'resolved'`); n != tenants {
		t.Fatalf("%d resolved events, want %d", n, tenants)
	}
	if n, err := f.st.ResolveHubAlert(ctx, "disk_low", "again"); err != nil || n != 0 {
		t.Fatalf("resolving again: %d, %v; want 0", n, err)
	}
}
