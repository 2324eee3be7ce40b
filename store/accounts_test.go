package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

// TestTOTPStepIsUsedOnce: of many concurrent uses of one step exactly one
// wins, and an earlier step is refused after a later one.
func TestTOTPStepIsUsedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := f.tenant(t, "acme")
	if err := f.st.SetPendingTOTP(ctx, b.Owner.ID, "JBSWY3DPEHPK3PXP"); err != nil {
		t.Fatal(err)
	}
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			err := f.st.UseTOTPStep(ctx, b.Owner.ID, 1000)
			switch {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, store.ErrConflict):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d uses of one step succeeded, want 1", won.Load())
	}
	if err := f.st.UseTOTPStep(ctx, b.Owner.ID, 999); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("earlier step after a later one: %v", err)
	}
	if err := f.st.UseTOTPStep(ctx, b.Owner.ID, 1001); err != nil {
		t.Fatalf("later step: %v", err)
	}
}

// TestMailClaimsAreDisjoint: concurrent senders never lease the same
// message, and a leased message is hidden until its lease ends.
func TestMailClaimsAreDisjoint(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := f.tenant(t, "acme")
	for range 30 {
		_, hash := newToken(t, auth.KindAPIKey)
		if _, err := f.st.Invite(ctx, store.NewInvitation{TenantID: b.Tenant.ID, Email: uuid.NewString() + "@x.test",
			Role: auth.RoleViewer, InvitedBy: b.Owner.ID, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour),
			Mail: store.Mail{To: "x@x.test", Subject: "s", Body: "b"}, Audit: audit.Event{}}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[uuid.UUID]int{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			ms, err := f.st.ClaimMail(ctx, 10)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range ms {
				seen[m.ID]++
			}
		})
	}
	wg.Wait()
	if len(seen) != 30 {
		t.Fatalf("%d messages claimed, want all 30", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("message %s claimed %d times", id, n)
		}
	}
	if ms, err := f.st.ClaimMail(ctx, 10); err != nil || len(ms) != 0 {
		t.Fatalf("claimed again during the lease: %d %v", len(ms), err)
	}
}

// TestPruneAccounts removes only rows that can no longer be used.
func TestPruneAccounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := f.tenant(t, "acme")
	mail := func(to string) store.Mail { return store.Mail{To: to, Subject: "s", Body: "b"} }
	for range 2 {
		_, hash := newToken(t, auth.KindAPIKey)
		if _, err := f.st.RequestPasswordReset(ctx, b.Owner.Email, hash, mail, audit.Event{}); err != nil {
			t.Fatal(err)
		}
	}
	f.exec(t, `UPDATE password_resets SET expires_at = now() - interval '2 days' WHERE token_hash = (SELECT token_hash FROM password_resets LIMIT 1)`)
	f.exec(t, `UPDATE outbox SET sent_at = now(), created_at = now() - interval '31 days' WHERE id = (SELECT id FROM outbox LIMIT 1)`)
	f.exec(t, `INSERT INTO rate_counters VALUES ('login', 'ip:x', now() - interval '2 days', 3), ('login', 'ip:x', now(), 1)`)
	n, err := f.st.PruneAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n["password_resets"] != 1 || n["outbox"] != 1 || n["rate_counters"] != 1 {
		t.Fatalf("pruned %v, want one reset, one mail, one counter", n)
	}
	if f.count(t, `SELECT count(*) FROM password_resets`) != 1 || f.count(t, `SELECT count(*) FROM outbox`) != 1 ||
		f.count(t, `SELECT count(*) FROM rate_counters`) != 1 {
		t.Fatal("a live row was pruned")
	}
}

// TestOperatorSetPassword: the CLI's way back in ends sessions, lifts a
// login lock and leaves an audit row.
func TestOperatorSetPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := f.tenant(t, "acme")
	_, hash := newToken(t, auth.KindAPIKey)
	if _, err := f.st.CreateSession(ctx, store.NewSession{TokenHash: hash, UserID: b.Owner.ID, TenantID: b.Tenant.ID,
		CSRFToken: "c", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `UPDATE users SET failed_logins = 40, locked_until = now() + interval '10 minutes' WHERE id = $1`, b.Owner.ID)
	if err := f.st.SetPassword(ctx, strings.ToUpper(b.Owner.Email), fakePasswordHash); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, b.Owner.ID); n != 0 {
		t.Fatalf("%d sessions live after set-password", n)
	}
	if n := f.count(t, `SELECT count(*) FROM users WHERE id = $1 AND locked_until IS NULL AND failed_logins = 0`, b.Owner.ID); n != 1 {
		t.Fatal("the login lock survived set-password")
	}
	rows, err := f.st.AuditLog(ctx, b.Tenant.ID, audit.Filter{Type: "password_set_by_operator", Limit: 10})
	if err != nil || len(rows) != 1 || rows[0].TargetID != b.Owner.ID.String() || rows[0].ActorType != audit.ActorSystem {
		t.Fatalf("audit rows %+v %v", rows, err)
	}
	if err := f.st.SetPassword(ctx, "nobody@acme.test", fakePasswordHash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
}
