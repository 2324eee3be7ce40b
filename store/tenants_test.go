package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/monsys/monsys/store"
)

func TestTenantBySlugIsScopedAndMissingIsNotFound(t *testing.T) {
	st := store.New(db.New(t))
	ctx := context.Background()
	b, err := st.CreateTenantWithOwner(ctx, "Acme", "acme", "ops@acme.test", "$argon2id$v=19$m=32768,t=2,p=1$c2FsdA$a2V5")
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.TenantBySlug(ctx, "acme")
	if err != nil || got.ID != b.Tenant.ID {
		t.Fatalf("TenantBySlug = %v, %v; want %v", got.ID, err, b.Tenant.ID)
	}
	if _, err := st.TenantBySlug(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown slug: err = %v, want ErrNotFound", err)
	}
}
