package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/audit"
	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

func TestUseAPIKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := f.tenant(t, "acme")
	newKey := func(t *testing.T, expires *time.Time) (store.APIKey, auth.TokenHash) {
		t.Helper()
		_, hash := newToken(t, auth.KindAPIKey)
		k, err := f.st.CreateAPIKey(ctx, store.NewAPIKey{TenantID: b.Tenant.ID, CreatedBy: b.Owner.ID,
			Name: "ci", Role: auth.RoleMember, TokenHash: hash, ExpiresAt: expires})
		if err != nil {
			t.Fatal(err)
		}
		return k, hash
	}
	lastUsed := func(t *testing.T, id uuid.UUID) *time.Time {
		t.Helper()
		var at *time.Time
		if err := f.pool.QueryRow(ctx, `SELECT last_used_at FROM api_keys WHERE id = $1`, id).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}

	t.Run("live key resolves and is stamped", func(t *testing.T) {
		future := time.Now().Add(time.Hour)
		k, hash := newKey(t, &future)
		got, err := f.st.UseAPIKey(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != k.ID || got.TenantID != b.Tenant.ID || got.Role != auth.RoleMember {
			t.Errorf("UseAPIKey = %+v, want key %v", got, k.ID)
		}
		at := lastUsed(t, k.ID)
		if at == nil || !within(*at, time.Now(), 5*time.Second) {
			t.Fatalf("last_used_at = %v after a use, want now", at)
		}
		// A use long after the stamp moves it again.
		f.exec(t, `UPDATE api_keys SET last_used_at = now() - interval '2 hours' WHERE id = $1`, k.ID)
		if _, err := f.st.UseAPIKey(ctx, hash); err != nil {
			t.Fatal(err)
		}
		if at := lastUsed(t, k.ID); at == nil || !within(*at, time.Now(), 5*time.Second) {
			t.Errorf("last_used_at = %v after a later use, want now", at)
		}
	})

	t.Run("revoked key is refused", func(t *testing.T) {
		k, hash := newKey(t, nil)
		if err := f.st.RevokeAPIKey(ctx, b.Tenant.ID, k.ID, nil, audit.Event{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.UseAPIKey(ctx, hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if err := f.st.RevokeAPIKey(ctx, b.Tenant.ID, k.ID, nil, audit.Event{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoking twice: err = %v, want ErrNotFound", err)
		}
		if at := lastUsed(t, k.ID); at != nil {
			t.Errorf("refused use stamped last_used_at = %v", at)
		}
	})

	t.Run("expired key is refused", func(t *testing.T) {
		past := time.Now().Add(-time.Second)
		k, hash := newKey(t, &past)
		if _, err := f.st.UseAPIKey(ctx, hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if at := lastUsed(t, k.ID); at != nil {
			t.Errorf("refused use stamped last_used_at = %v", at)
		}
	})
}

func TestUseAPIKeyFollowsItsCreator(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := f.tenant(t, "acme")
	admin, err := f.st.CreateUser(ctx, b.Tenant.ID, "admin@acme.test", "", fakePasswordHash, auth.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	_, hash := newToken(t, auth.KindAPIKey)
	if _, err := f.st.CreateAPIKey(ctx, store.NewAPIKey{TenantID: b.Tenant.ID, CreatedBy: admin.ID, Name: "ci",
		Role: auth.RoleAdmin, TokenHash: hash}); err != nil {
		t.Fatal(err)
	}
	if k, err := f.st.UseAPIKey(ctx, hash); err != nil || k.Role != auth.RoleAdmin {
		t.Fatalf("fresh key: %v %v", k.Role, err)
	}
	f.exec(t, `UPDATE memberships SET role = 'viewer' WHERE user_id = $1`, admin.ID)
	if k, err := f.st.UseAPIKey(ctx, hash); err != nil || k.Role != auth.RoleViewer {
		t.Fatalf("after the creator became a viewer the key acts as %q (%v), want viewer", k.Role, err)
	}
	f.exec(t, `UPDATE users SET disabled_at = now() WHERE id = $1`, admin.ID)
	if _, err := f.st.UseAPIKey(ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("creator disabled: err = %v, want ErrNotFound", err)
	}
	f.exec(t, `UPDATE users SET disabled_at = NULL WHERE id = $1`, admin.ID)
	f.exec(t, `DELETE FROM memberships WHERE user_id = $1`, admin.ID)
	if _, err := f.st.UseAPIKey(ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("creator left the tenant: err = %v, want ErrNotFound", err)
	}
}
