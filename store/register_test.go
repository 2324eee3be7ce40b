package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

const testSourceIP = "192.0.2.7"

// registration is what an enrollment-token request for machine carries.
func registration(t *testing.T, et store.EnrollmentToken, machine string, pub []byte) store.Registration {
	t.Helper()
	_, hash := newToken(t, auth.KindAgent)
	return store.Registration{
		TenantID: et.TenantID, EnrollmentTokenID: &et.ID, MachineID: machine, Hostname: machine + ".example",
		OS: "linux", Arch: "amd64", AgentVersion: "1.0.0", Pubkey: pub, NewTokenHash: hash, SourceIP: testSourceIP,
	}
}

func mustRegister(t *testing.T, st *store.Store, r store.Registration) store.RegistrationResult {
	t.Helper()
	res, err := st.RegisterAgent(context.Background(), r)
	if err != nil {
		t.Fatalf("register %s: %v", r.MachineID, err)
	}
	return res
}

// agentAnomalies lists the anomalies recorded about one agent.
func agentAnomalies(t *testing.T, st *store.Store, tenantID, agentID uuid.UUID) []store.Anomaly {
	t.Helper()
	all, err := st.Anomalies(context.Background(), tenantID, true, nil, 500)
	if err != nil {
		t.Fatal(err)
	}
	var mine []store.Anomaly
	for _, a := range all {
		if a.AgentID != nil && *a.AgentID == agentID {
			mine = append(mine, a)
		}
	}
	return mine
}

func TestRegisterAgentCreatesNewMachine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	et := f.enrollment(t, f.tenant(t, "acme").Tenant.ID, 0)
	pub := newPubkey(t)
	r := registration(t, et, "m-new", pub)

	res := mustRegister(t, f.st, r)
	if !res.Created || res.KeyRotated {
		t.Errorf("Created, KeyRotated = %v, %v; want true, false", res.Created, res.KeyRotated)
	}
	a := res.Agent
	if a.MachineID != "m-new" || a.Hostname != "m-new.example" || a.TenantID != et.TenantID || a.Status != store.StatusPending {
		t.Errorf("agent = %+v", a)
	}
	if !bytes.Equal(a.SigningPubkey, pub) || a.SigningKeyPinnedAt == nil {
		t.Errorf("key not pinned: pubkey %x pinned_at %v", a.SigningPubkey, a.SigningKeyPinnedAt)
	}
	got, err := f.st.AgentByToken(ctx, r.NewTokenHash)
	if err != nil || got.ID != a.ID {
		t.Errorf("AgentByToken(new token) = %v, %v; want %v", got.ID, err, a.ID)
	}
	if uses := f.enrollmentUses(t, et.TenantID, et.ID); uses != 1 {
		t.Errorf("enrollment uses = %d, want 1", uses)
	}
}

func TestRegisterAgentSameMachineKeepsIDAndReplacesToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	et := f.enrollment(t, f.tenant(t, "acme").Tenant.ID, 0)
	first := registration(t, et, "m-1", nil)
	orig := mustRegister(t, f.st, first)

	again := registration(t, et, "m-1", nil)
	again.Hostname = "renamed.example"
	res := mustRegister(t, f.st, again)
	if res.Created || res.Agent.ID != orig.Agent.ID {
		t.Fatalf("second registration: Created=%v id=%v; want false, %v", res.Created, res.Agent.ID, orig.Agent.ID)
	}
	if res.Agent.Hostname != "renamed.example" {
		t.Errorf("hostname = %q, want the new one", res.Agent.Hostname)
	}
	if _, err := f.st.AgentByToken(ctx, first.NewTokenHash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old token still resolves: err = %v, want ErrNotFound", err)
	}
	if got, err := f.st.AgentByToken(ctx, again.NewTokenHash); err != nil || got.ID != orig.Agent.ID {
		t.Errorf("new token: %v, %v", got.ID, err)
	}
	if n := f.count(t, `SELECT count(*) FROM agents WHERE machine_id = 'm-1'`); n != 1 {
		t.Errorf("%d agent rows for the machine, want 1", n)
	}
	if uses := f.enrollmentUses(t, et.TenantID, et.ID); uses != 1 {
		t.Errorf("enrollment uses = %d after a re-registration, want 1 (only new machines count)", uses)
	}
}

func TestRegisterAgentPinnedKeyRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	et := f.enrollment(t, f.tenant(t, "acme").Tenant.ID, 0)
	other := mustRegister(t, f.st, registration(t, et, "m-other", nil)).Agent

	pinned, fresh := newPubkey(t), newPubkey(t)
	signedBy := func(key []byte) func([]byte) bool {
		return func(asked []byte) bool { return bytes.Equal(asked, key) }
	}
	for _, tc := range []struct {
		name    string
		mutate  func(r *store.Registration, self uuid.UUID)
		wantErr error
		anomaly string // kind recorded, "" for none
		wantKey []byte // pinned key afterwards
		rotated bool
	}{
		{"different key unsigned", func(r *store.Registration, _ uuid.UUID) { r.Pubkey = fresh },
			store.ErrKeyMismatch, "signing_key_mismatch", pinned, false},
		{"different key with own agent token", func(r *store.Registration, self uuid.UUID) {
			r.Pubkey, r.EnrollmentTokenID, r.CallerAgentID = fresh, nil, &self
		}, store.ErrKeyMismatch, "signing_key_mismatch", pinned, false},
		{"same key without proof", func(r *store.Registration, _ uuid.UUID) { r.Pubkey = pinned },
			store.ErrProofRequired, "unproven_reregistration", pinned, false},
		{"no key without proof", func(r *store.Registration, _ uuid.UUID) { r.Pubkey = nil },
			store.ErrProofRequired, "unproven_reregistration", pinned, false},
		{"same key signed by a key that is not the pinned one", func(r *store.Registration, _ uuid.UUID) {
			r.Pubkey, r.SignedBy = pinned, signedBy(fresh)
		}, store.ErrProofRequired, "unproven_reregistration", pinned, false},
		{"another agent's token", func(r *store.Registration, _ uuid.UUID) {
			r.Pubkey, r.EnrollmentTokenID, r.CallerAgentID = pinned, nil, &other.ID
		}, store.ErrConflict, "", pinned, false},
		{"same key with own agent token", func(r *store.Registration, self uuid.UUID) {
			r.Pubkey, r.EnrollmentTokenID, r.CallerAgentID = pinned, nil, &self
		}, nil, "", pinned, false},
		{"no key with own agent token", func(r *store.Registration, self uuid.UUID) {
			r.Pubkey, r.EnrollmentTokenID, r.CallerAgentID = nil, nil, &self
		}, nil, "", pinned, false},
		{"same key signed by the pinned key", func(r *store.Registration, _ uuid.UUID) {
			r.Pubkey, r.SignedBy = pinned, signedBy(pinned)
		}, nil, "", pinned, false},
		{"different key signed by the pinned key rotates", func(r *store.Registration, _ uuid.UUID) {
			r.Pubkey, r.SignedBy = fresh, signedBy(pinned)
		}, nil, "", fresh, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			machine := "m-" + uuid.NewString()
			first := registration(t, et, machine, pinned)
			orig := mustRegister(t, f.st, first).Agent

			r := registration(t, et, machine, nil)
			tc.mutate(&r, orig.ID)
			res, err := f.st.RegisterAgent(ctx, r)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("RegisterAgent err = %v, want %v", err, tc.wantErr)
			}

			now, err := f.st.Agent(ctx, et.TenantID, orig.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(now.SigningPubkey, tc.wantKey) {
				t.Errorf("pinned key afterwards is %x, want %x", now.SigningPubkey, tc.wantKey)
			}
			liveHash, deadHash := r.NewTokenHash, first.NewTokenHash
			if tc.wantErr != nil {
				liveHash, deadHash = deadHash, liveHash
			} else {
				if res.Created || res.Agent.ID != orig.ID || res.KeyRotated != tc.rotated {
					t.Errorf("result: Created=%v id=%v KeyRotated=%v; want false, %v, %v",
						res.Created, res.Agent.ID, res.KeyRotated, orig.ID, tc.rotated)
				}
				if tc.rotated && !now.SigningKeyPinnedAt.After(*orig.SigningKeyPinnedAt) {
					t.Errorf("signing_key_pinned_at %v not moved past %v by the rotation", now.SigningKeyPinnedAt, orig.SigningKeyPinnedAt)
				}
				if !tc.rotated && !now.SigningKeyPinnedAt.Equal(*orig.SigningKeyPinnedAt) {
					t.Errorf("signing_key_pinned_at changed from %v to %v without a rotation", orig.SigningKeyPinnedAt, now.SigningKeyPinnedAt)
				}
			}
			if got, err := f.st.AgentByToken(ctx, liveHash); err != nil || got.ID != orig.ID {
				t.Errorf("token that should work: %v, %v", got.ID, err)
			}
			if _, err := f.st.AgentByToken(ctx, deadHash); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("token that should not work: err = %v, want ErrNotFound", err)
			}

			anomalies := agentAnomalies(t, f.st, et.TenantID, orig.ID)
			switch {
			case tc.anomaly == "" && len(anomalies) > 0:
				t.Errorf("unexpected anomalies: %+v", anomalies)
			case tc.anomaly != "" && len(anomalies) != 1:
				t.Errorf("%d anomalies, want one of kind %s: %+v", len(anomalies), tc.anomaly, anomalies)
			case tc.anomaly != "":
				a := anomalies[0]
				if a.Kind != tc.anomaly || a.SourceIP != testSourceIP || a.Detail["machine_id"] != machine || a.ResolvedAt != nil {
					t.Errorf("anomaly = %+v, want kind %s from %s about %s", a, tc.anomaly, testSourceIP, machine)
				}
			}
		})
	}
}

func TestRegisterAgentEnrollmentMaxUses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	et := f.enrollment(t, f.tenant(t, "acme").Tenant.ID, 1)

	mustRegister(t, f.st, registration(t, et, "m-1", nil))
	if _, err := f.st.RegisterAgent(ctx, registration(t, et, "m-2", nil)); !errors.Is(err, store.ErrEnrollmentUsedUp) {
		t.Fatalf("second new machine: err = %v, want ErrEnrollmentUsedUp", err)
	}
	if n := f.count(t, `SELECT count(*) FROM agents WHERE machine_id = 'm-2'`); n != 0 {
		t.Errorf("the refused machine has %d agent rows", n)
	}
	if uses := f.enrollmentUses(t, et.TenantID, et.ID); uses != 1 {
		t.Errorf("uses = %d, want 1", uses)
	}
	// The machine it enrolled may still re-register with it.
	if res, err := f.st.RegisterAgent(ctx, registration(t, et, "m-1", nil)); err != nil || res.Created {
		t.Errorf("re-registering the enrolled machine: Created=%v err=%v", res.Created, err)
	}
}

// concurrentFixture is a fixture whose pool has enough connections for
// every goroutine of a race to be inside the database at once.
func concurrentFixture(t *testing.T, conns int32) fixture {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(db.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	// Open every connection now, so that dialing does not spread the
	// goroutines of a race out in time.
	held := make([]*pgxpool.Conn, conns)
	for i := range held {
		if held[i], err = pool.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range held {
		c.Release()
	}
	return fixture{pool: pool, st: store.New(pool)}
}

// race runs fn(i) for i in [0,n) in goroutines released at the same moment
// and returns their results.
func race[T any](n int, fn func(i int) T) []T {
	out := make([]T, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

func TestRegisterAgentEnrollmentUsesExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := concurrentFixture(t, 12)
	et := f.enrollment(t, f.tenant(t, "acme").Tenant.ID, 5)
	regs := make([]store.Registration, 10)
	for i := range regs {
		regs[i] = registration(t, et, fmt.Sprintf("m-%d", i), newPubkey(t))
	}

	errs := race(len(regs), func(i int) error {
		_, err := f.st.RegisterAgent(context.Background(), regs[i])
		return err
	})
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrEnrollmentUsedUp):
			t.Errorf("machine %d: err = %v, want nil or ErrEnrollmentUsedUp", i, err)
		}
	}
	if ok != 5 {
		t.Errorf("%d registrations succeeded, want exactly 5", ok)
	}
	if uses := f.enrollmentUses(t, et.TenantID, et.ID); uses != 5 {
		t.Errorf("uses = %d, want 5", uses)
	}
	if n := f.count(t, `SELECT count(*) FROM agents`); n != 5 {
		t.Errorf("%d agents, want 5", n)
	}
}

func TestRegisterAgentConcurrentSameNewMachineMakesOneAgent(t *testing.T) {
	t.Parallel()
	f := concurrentFixture(t, 10)
	et := f.enrollment(t, f.tenant(t, "acme").Tenant.ID, 0)
	const n = 8
	regs := make([]store.Registration, n)
	for i := range regs {
		regs[i] = registration(t, et, "m-dup", nil)
	}

	type outcome struct {
		res store.RegistrationResult
		err error
	}
	outs := race(n, func(i int) outcome {
		res, err := f.st.RegisterAgent(context.Background(), regs[i])
		return outcome{res, err}
	})
	if rows := f.count(t, `SELECT count(*) FROM agents WHERE machine_id = 'm-dup'`); rows != 1 {
		t.Fatalf("%d agent rows for one machine, want 1", rows)
	}
	// Registration is idempotent per machine: a duplicate that lost the race
	// to insert is a re-registration of the same agent, not an error.
	created := 0
	var id uuid.UUID
	for i, o := range outs {
		if o.err != nil {
			t.Errorf("registration %d: %v", i, o.err)
			continue
		}
		if o.res.Created {
			created++
		}
		if id == (uuid.UUID{}) {
			id = o.res.Agent.ID
		} else if o.res.Agent.ID != id {
			t.Errorf("registration %d got agent %v, another got %v", i, o.res.Agent.ID, id)
		}
	}
	if created != 1 {
		t.Errorf("%d registrations report Created, want 1", created)
	}
	if uses := f.enrollmentUses(t, et.TenantID, et.ID); uses != 1 {
		t.Errorf("enrollment uses = %d for one machine, want 1", uses)
	}
}
