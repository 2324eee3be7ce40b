package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

func TestBootstrapFirstOwnerOnlyOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b, created, err := f.st.BootstrapFirstOwner(ctx, "Default", "default", "admin@example.test", fakePasswordHash)
	if err != nil || !created {
		t.Fatalf("first call: created=%v err=%v", created, err)
	}
	if b.Tenant.Slug != "default" || b.Owner.Email != "admin@example.test" {
		t.Errorf("bootstrap = %+v", b)
	}
	m, err := f.st.Membership(ctx, b.Tenant.ID, b.Owner.ID)
	if err != nil || m.Role != auth.RoleOwner {
		t.Errorf("owner's membership = %+v, %v; want role owner", m, err)
	}

	again, created, err := f.st.BootstrapFirstOwner(ctx, "Other", "other", "someone@example.test", fakePasswordHash)
	if err != nil || created || again != (store.Bootstrap{}) {
		t.Errorf("second call = %+v, created=%v, err=%v; want nothing created", again, created, err)
	}
	if n := f.count(t, `SELECT count(*) FROM users`); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM tenants`); n != 1 {
		t.Errorf("%d tenants, want 1", n)
	}
	if u, err := f.st.UserByEmail(ctx, "admin@example.test"); err != nil || u.PasswordHash != fakePasswordHash {
		t.Errorf("owner after the second call: %+v, %v", u, err)
	}
}

// TestBootstrapFirstOwnerConcurrent is several hubs starting at once on one
// empty database: exactly one creates the owner.
func TestBootstrapFirstOwnerConcurrent(t *testing.T) {
	t.Parallel()
	f := concurrentFixture(t, 8)
	type outcome struct {
		created bool
		err     error
	}
	outs := race(8, func(i int) outcome {
		_, created, err := f.st.BootstrapFirstOwner(context.Background(), "Default", "default",
			fmt.Sprintf("admin%d@example.test", i), fakePasswordHash)
		return outcome{created, err}
	})
	created := 0
	for i, o := range outs {
		if o.err != nil {
			t.Errorf("hub %d: %v", i, o.err)
		}
		if o.created {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d calls created an owner, want 1", created)
	}
	if n := f.count(t, `SELECT count(*) FROM users`); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM memberships WHERE role = 'owner'`); n != 1 {
		t.Errorf("%d owners, want 1", n)
	}
}
