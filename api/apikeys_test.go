package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
)

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin := e.session(fx, auth.RoleAdmin)

	var created createAPIKeyReply
	e.do("POST", "/api/v1/api-keys", admin, createAPIKeyRequest{Name: "ci", Role: "member"}).want(t, http.StatusCreated, &created)
	if kind, err := auth.ParseToken(created.Key); err != nil || kind != auth.KindAPIKey || !strings.HasPrefix(created.Key, "msk_") {
		t.Fatalf("key %q: want a well-formed msk_ token", created.Key)
	}
	if created.Role != auth.RoleMember || created.Name != "ci" || created.CreatedBy == nil || *created.CreatedBy != fx.Users[auth.RoleAdmin].ID {
		t.Fatalf("created key %+v", created.apiKeyReply)
	}
	key := cred{Bearer: created.Key}

	// The key authenticates with its own role: a member may read agents
	// but not enrollment tokens.
	e.do("GET", "/api/v1/agents", key, nil).want(t, http.StatusOK, nil)
	e.do("GET", "/api/v1/enrollment-tokens", key, nil).wantProblem(t, http.StatusForbidden)

	// The secret is shown once: listing never repeats it.
	list := e.do("GET", "/api/v1/api-keys", admin, nil)
	list.want(t, http.StatusOK, nil)
	if bytes.Contains(list.Body, []byte(created.Key)) || bytes.Contains(list.Body, []byte(`"key"`)) {
		t.Fatalf("the key list shows secrets: %s", list.Body)
	}
	var keys page[apiKeyReply]
	list.want(t, http.StatusOK, &keys)
	if len(keys.Items) != 1 || keys.Items[0].ID != created.ID || keys.Items[0].LastUsedAt == nil {
		t.Fatalf("keys = %+v; want the one key, with last_used_at set by its use", keys.Items)
	}

	// Revocation takes effect on the next request.
	e.do("DELETE", "/api/v1/api-keys/"+created.ID.String(), admin, nil).want(t, http.StatusNoContent, nil)
	e.do("GET", "/api/v1/agents", key, nil).wantProblem(t, http.StatusUnauthorized)
	e.do("DELETE", "/api/v1/api-keys/"+created.ID.String(), admin, nil).wantProblem(t, http.StatusNotFound)
	e.do("GET", "/api/v1/api-keys", admin, nil).want(t, http.StatusOK, &keys)
	if len(keys.Items) != 0 {
		t.Fatalf("revoked key still listed: %+v", keys.Items)
	}
}

func TestAPIKeyRoleAndExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	member := e.session(fx, auth.RoleMember)

	for _, role := range []string{"admin", "owner"} {
		p := e.do("POST", "/api/v1/api-keys", member, createAPIKeyRequest{Name: "up", Role: role}).wantProblem(t, http.StatusUnprocessableEntity)
		if !p.hasFieldError("role") {
			t.Fatalf("member asking for %s: errors %+v, want one for role", role, p.Errors)
		}
	}
	for _, body := range []createAPIKeyRequest{
		{Name: "x", Role: "root"},
		{Name: ""},
		{Name: strings.Repeat("n", 201)},
		{Name: "past", ExpiresAt: ptr(time.Now().Add(-time.Minute))},
	} {
		e.do("POST", "/api/v1/api-keys", member, body).wantProblem(t, http.StatusUnprocessableEntity)
	}
	// An API key cannot mint a key above its own role either.
	viewerKey, _ := e.apiKey(fx, auth.RoleViewer)
	e.do("POST", "/api/v1/api-keys", viewerKey, createAPIKeyRequest{Name: "up", Role: "member"}).wantProblem(t, http.StatusUnprocessableEntity)

	var own createAPIKeyReply
	e.do("POST", "/api/v1/api-keys", member, createAPIKeyRequest{Name: "default role"}).want(t, http.StatusCreated, &own)
	if own.Role != auth.RoleMember {
		t.Fatalf("default role %q, want the creator's (member)", own.Role)
	}
	var down createAPIKeyReply
	e.do("POST", "/api/v1/api-keys", member, createAPIKeyRequest{Name: "read-only", Role: "viewer"}).want(t, http.StatusCreated, &down)

	// A viewer key of an owner is still only a viewer.
	ownerViewer, _ := e.apiKeyBy(fx, auth.RoleOwner, auth.RoleViewer, nil)
	for _, r := range [][2]string{
		{"GET", "/api/v1/integrity-anomalies"},
		{"GET", "/api/v1/enrollment-tokens"},
		{"POST", "/api/v1/enrollment-tokens"},
		{"DELETE", "/api/v1/agents/" + uuid.NewString()},
	} {
		var body any
		if r[0] == "POST" {
			body = createEnrollmentRequest{Name: "x"}
		}
		e.do(r[0], r[1], ownerViewer, body).wantProblem(t, http.StatusForbidden)
	}
	e.do("GET", "/api/v1/agents", ownerViewer, nil).want(t, http.StatusOK, nil)

	// Expiry is enforced on every request.
	soon := time.Now().Add(time.Hour)
	var expiring createAPIKeyReply
	e.do("POST", "/api/v1/api-keys", member, createAPIKeyRequest{Name: "short", ExpiresAt: &soon}).want(t, http.StatusCreated, &expiring)
	if expiring.ExpiresAt == nil || expiring.ExpiresAt.Sub(soon).Abs() > time.Second {
		t.Fatalf("expires_at %v, want %v", expiring.ExpiresAt, soon)
	}
	e.do("GET", "/api/v1/agents", cred{Bearer: expiring.Key}, nil).want(t, http.StatusOK, nil)
	e.exec(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, expiring.ID)
	e.do("GET", "/api/v1/agents", cred{Bearer: expiring.Key}, nil).wantProblem(t, http.StatusUnauthorized)
	expired, _ := e.apiKeyBy(fx, auth.RoleOwner, auth.RoleOwner, ptr(time.Now().Add(-time.Second)))
	e.do("GET", "/api/v1/agents", expired, nil).wantProblem(t, http.StatusUnauthorized)
}

func TestAPIKeyVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	adminSess, memberSess, viewerSess := e.session(fx, auth.RoleAdmin), e.session(fx, auth.RoleMember), e.session(fx, auth.RoleViewer)
	_, adminKey := e.apiKey(fx, auth.RoleAdmin)
	_, memberKey := e.apiKey(fx, auth.RoleMember)
	_, memberKey2 := e.apiKeyBy(fx, auth.RoleMember, auth.RoleViewer, nil)
	_, viewerKey := e.apiKey(fx, auth.RoleViewer)

	listed := func(c cred) map[uuid.UUID]bool {
		t.Helper()
		var keys page[apiKeyReply]
		e.do("GET", "/api/v1/api-keys", c, nil).want(t, http.StatusOK, &keys)
		return ids(keys.Items, func(k apiKeyReply) uuid.UUID { return k.ID })
	}
	if got := listed(adminSess); len(got) != 4 || !got[adminKey.ID] || !got[memberKey.ID] || !got[memberKey2.ID] || !got[viewerKey.ID] {
		t.Fatalf("admin sees %v, want all 4 keys", got)
	}
	if got := listed(memberSess); len(got) != 2 || !got[memberKey.ID] || !got[memberKey2.ID] {
		t.Fatalf("member sees %v, want only its 2 keys", got)
	}
	if got := listed(viewerSess); len(got) != 1 || !got[viewerKey.ID] {
		t.Fatalf("viewer sees %v, want only its key", got)
	}

	// A member cannot revoke another person's key (it does not exist for
	// them), but may revoke its own; an admin may revoke anyone's.
	e.do("DELETE", "/api/v1/api-keys/"+viewerKey.ID.String(), memberSess, nil).wantProblem(t, http.StatusNotFound)
	e.do("DELETE", "/api/v1/api-keys/"+memberKey2.ID.String(), memberSess, nil).want(t, http.StatusNoContent, nil)
	e.do("DELETE", "/api/v1/api-keys/"+viewerKey.ID.String(), adminSess, nil).want(t, http.StatusNoContent, nil)
	if got := listed(adminSess); len(got) != 2 || !got[adminKey.ID] || !got[memberKey.ID] {
		t.Fatalf("after revocations admin sees %v, want the admin's and the member's first key", got)
	}

	// Pagination by id walks every key once.
	for range 5 {
		e.apiKey(fx, auth.RoleAdmin)
	}
	seen := map[uuid.UUID]bool{}
	path := "/api/v1/api-keys?limit=2"
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("key pagination does not end")
		}
		var p page[apiKeyReply]
		e.do("GET", path, adminSess, nil).want(t, http.StatusOK, &p)
		for _, k := range p.Items {
			if seen[k.ID] {
				t.Fatalf("key %s listed twice", k.ID)
			}
			seen[k.ID] = true
		}
		if p.NextCursor == "" {
			break
		}
		path = "/api/v1/api-keys?limit=2&cursor=" + p.NextCursor
	}
	if len(seen) != 7 {
		t.Fatalf("walked %d keys, want 7", len(seen))
	}
}
