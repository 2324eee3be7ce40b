package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/store"
)

const idle = 30 * time.Minute

func TestTouchSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b := f.tenant(t, "acme")
	disabled, err := f.st.CreateUser(ctx, b.Tenant.ID, "gone@acme.test", "Gone", fakePasswordHash, auth.RoleMember)
	if err != nil {
		t.Fatal(err)
	}

	// newSession stores a session of user ending at expires; it returns the
	// session and the hash its cookie resolves to.
	newSession := func(t *testing.T, user uuid.UUID, expires time.Time) (store.Session, auth.TokenHash) {
		t.Helper()
		_, hash, err := auth.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.st.CreateSession(ctx, store.NewSession{TokenHash: hash, UserID: user, TenantID: b.Tenant.ID,
			CSRFToken: "csrf", IP: "192.0.2.1", UserAgent: "test", ExpiresAt: expires})
		if err != nil {
			t.Fatal(err)
		}
		return s, hash
	}
	later := time.Now().Add(time.Hour)

	t.Run("live session is touched", func(t *testing.T) {
		s, hash := newSession(t, b.Owner.ID, later)
		f.exec(t, `UPDATE sessions SET last_seen_at = now() - interval '10 minutes' WHERE id = $1`, s.ID)
		got, err := f.st.TouchSession(ctx, hash, idle)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != s.ID || got.CSRFToken != "csrf" || !within(got.LastSeenAt, time.Now(), 5*time.Second) {
			t.Errorf("TouchSession = %+v; want session %v with last_seen_at now", got, s.ID)
		}
	})

	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, s store.Session)
		user  uuid.UUID
		end   time.Time
	}{
		{"revoked", func(t *testing.T, s store.Session) {
			if err := f.st.RevokeSession(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
		}, b.Owner.ID, later},
		{"past its absolute end", func(*testing.T, store.Session) {}, b.Owner.ID, time.Now().Add(-time.Second)},
		{"idle beyond the timeout", func(t *testing.T, s store.Session) {
			f.exec(t, `UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE id = $1`, s.ID)
		}, b.Owner.ID, later},
		{"user disabled", func(t *testing.T, s store.Session) {
			f.exec(t, `UPDATE users SET disabled_at = now() WHERE id = $1`, s.UserID)
		}, disabled.ID, later},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, hash := newSession(t, tc.user, tc.end)
			tc.spoil(t, s)
			if got, err := f.st.TouchSession(ctx, hash, idle); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("TouchSession = %v, %v; want ErrNotFound", got.ID, err)
			}
		})
	}

	t.Run("unknown secret", func(t *testing.T) {
		if _, err := f.st.TouchSession(ctx, auth.HashToken("no-such-session"), idle); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
}
