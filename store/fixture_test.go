package store_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

// fakePasswordHash is a well-formed argon2id PHC string; no test logs in.
const fakePasswordHash = "$argon2id$v=19$m=32768,t=2,p=1$c2FsdA$a2V5"

// fixture is one test's database with a store over it.
type fixture struct {
	pool *pgxpool.Pool
	st   *store.Store
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	pool := db.New(t)
	return fixture{pool: pool, st: store.New(pool)}
}

// exec runs SQL that the store has no method for, e.g. backdating a row.
func (f fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

// count runs a SELECT count(*) … query.
func (f fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return n
}

// tenant creates a tenant named after slug, with an owner.
func (f fixture) tenant(t *testing.T, slug string) store.Bootstrap {
	t.Helper()
	b, err := f.st.CreateTenantWithOwner(context.Background(), "Tenant "+slug, slug, "owner@"+slug+".test", fakePasswordHash)
	if err != nil {
		t.Fatalf("create tenant %s: %v", slug, err)
	}
	return b
}

// enrollment creates an enrollment token; maxUses 0 means unlimited.
func (f fixture) enrollment(t *testing.T, tenantID uuid.UUID, maxUses int32) store.EnrollmentToken {
	t.Helper()
	_, hash := newToken(t, auth.KindEnrollment)
	n := store.NewEnrollmentToken{TenantID: tenantID, Name: "test", TokenHash: hash}
	if maxUses > 0 {
		n.MaxUses = &maxUses
	}
	et, err := f.st.CreateEnrollmentToken(context.Background(), n)
	if err != nil {
		t.Fatalf("create enrollment token: %v", err)
	}
	return et
}

// enrollmentUses reads an enrollment token's use counter back.
func (f fixture) enrollmentUses(t *testing.T, tenantID, id uuid.UUID) int32 {
	t.Helper()
	ts, err := f.st.EnrollmentTokens(context.Background(), tenantID, nil, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, et := range ts {
		if et.ID == id {
			return et.Uses
		}
	}
	t.Fatalf("enrollment token %s not listed", id)
	return 0
}

func newToken(t *testing.T, kind auth.TokenKind) (string, auth.TokenHash) {
	t.Helper()
	tok, hash, err := auth.NewToken(kind)
	if err != nil {
		t.Fatal(err)
	}
	return tok, hash
}

func newPubkey(t *testing.T) []byte {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// within reports whether got is no further than d from want.
func within(got, want time.Time, d time.Duration) bool {
	diff := got.Sub(want)
	return diff <= d && diff >= -d
}
