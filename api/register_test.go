package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// heartbeatStatus sends a heartbeat as the agent token and returns the status.
func (e *env) heartbeatStatus(id, token string) int {
	e.t.Helper()
	return e.do("POST", "/api/v1/agents/"+id+"/heartbeat", cred{Bearer: token}, wire.Heartbeat{UptimeS: 5}).Status
}

func TestRegisterNewAndRepeatedMachine(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin, _ := e.apiKey(fx, auth.RoleAdmin)
	enroll, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	req := wire.RegisterRequest{MachineID: "m-1", Hostname: "web-1", OS: "linux", Arch: "amd64", AgentVersion: "1.0.0"}

	var first wire.RegisterResponse
	e.register(enroll, req).want(t, http.StatusCreated, &first)
	if _, err := uuid.Parse(first.AgentID); err != nil || !first.Created {
		t.Fatalf("first registration = %+v: want a uuid agent_id and created", first)
	}
	if kind, err := auth.ParseToken(first.AgentToken); err != nil || kind != auth.KindAgent {
		t.Fatalf("agent_token %q: kind %q, %v; want a well-formed msa_ token", first.AgentToken, kind, err)
	}
	if s := e.heartbeatStatus(first.AgentID, first.AgentToken); s != http.StatusOK {
		t.Fatalf("heartbeat with the new token = %d, want 200", s)
	}

	req.Hostname = "web-1-renamed"
	var second wire.RegisterResponse
	e.register(enroll, req).want(t, http.StatusOK, &second)
	if second.AgentID != first.AgentID || second.Created {
		t.Fatalf("second registration = %+v: want the same agent %s, not created", second, first.AgentID)
	}
	if second.AgentToken == first.AgentToken {
		t.Fatal("re-registration returned the same token; want a fresh one")
	}
	if s := e.heartbeatStatus(first.AgentID, first.AgentToken); s != http.StatusUnauthorized {
		t.Fatalf("heartbeat with the replaced token = %d, want 401", s)
	}
	if s := e.heartbeatStatus(first.AgentID, second.AgentToken); s != http.StatusOK {
		t.Fatalf("heartbeat with the fresh token = %d, want 200", s)
	}

	var got agentReply
	e.do("GET", "/api/v1/agents/"+first.AgentID, admin, nil).want(t, http.StatusOK, &got)
	if got.Hostname != "web-1-renamed" || got.MachineID != "m-1" || got.OS != "linux" || got.AgentVersion != "1.0.0" {
		t.Fatalf("agent after re-registration = %+v", got)
	}
	var list page[agentReply]
	e.do("GET", "/api/v1/agents", admin, nil).want(t, http.StatusOK, &list)
	if len(list.Items) != 1 {
		t.Fatalf("agents after two registrations of one machine: %d, want 1", len(list.Items))
	}
}

// anomalies lists the tenant's unresolved integrity anomalies as admin.
func (e *env) anomalies(admin cred) []anomalyReply {
	e.t.Helper()
	var out page[anomalyReply]
	e.do("GET", "/api/v1/integrity-anomalies", admin, nil).want(e.t, http.StatusOK, &out)
	return out.Items
}

func TestRegisterPinnedKeyRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin, _ := e.apiKey(fx, auth.RoleAdmin)
	enroll, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	k1, k2, k3 := newSigningKey(t), newSigningKey(t), newSigningKey(t)
	req := wire.RegisterRequest{MachineID: "m-pinned", Hostname: "db-1", SigningPubkey: k1.B64}

	var reg wire.RegisterResponse
	e.register(enroll, req).want(t, http.StatusCreated, &reg)
	var ag agentReply
	e.do("GET", "/api/v1/agents/"+reg.AgentID, admin, nil).want(t, http.StatusOK, &ag)
	if ag.SigningKeyFingerprint != keyFingerprint(k1.Pub) || ag.SigningKeyPinnedAt == nil {
		t.Fatalf("after first registration: fingerprint %q pinned %v, want %q and a pin time", ag.SigningKeyFingerprint, ag.SigningKeyPinnedAt, keyFingerprint(k1.Pub))
	}

	t.Run("different key unsigned is refused with an anomaly", func(t *testing.T) {
		e := e.with(t)
		other := req
		other.SigningPubkey = k2.B64
		e.register(enroll, other).wantProblem(t, http.StatusConflict)
		as := e.anomalies(admin)
		if len(as) != 1 || as[0].Kind != "signing_key_mismatch" || as[0].AgentID == nil || as[0].AgentID.String() != reg.AgentID ||
			as[0].Detail["machine_id"] != "m-pinned" {
			t.Fatalf("anomalies = %+v; want one signing_key_mismatch for agent %s", as, reg.AgentID)
		}
		if s := e.heartbeatStatus(reg.AgentID, reg.AgentToken); s != http.StatusOK {
			t.Fatalf("refused registration changed the token: heartbeat = %d, want 200", s)
		}
	})

	t.Run("different key with the agent token but unsigned is refused", func(t *testing.T) {
		e := e.with(t)
		other := req
		other.SigningPubkey = k2.B64
		e.register(reg.AgentToken, other).wantProblem(t, http.StatusConflict)
	})

	t.Run("same key without proof is refused with an anomaly", func(t *testing.T) {
		e := e.with(t)
		e.register(enroll, req).wantProblem(t, http.StatusConflict)
		as := e.anomalies(admin)
		if len(as) == 0 || as[0].Kind != "unproven_reregistration" || as[0].AgentID == nil || as[0].AgentID.String() != reg.AgentID {
			t.Fatalf("newest anomaly = %+v; want unproven_reregistration for agent %s", as, reg.AgentID)
		}
		// No key at all is no proof either.
		bare := req
		bare.SigningPubkey = ""
		e.register(enroll, bare).wantProblem(t, http.StatusConflict)
	})

	t.Run("the agent's own token re-registers", func(t *testing.T) {
		e := e.with(t)
		var again wire.RegisterResponse
		e.register(reg.AgentToken, req).want(t, http.StatusOK, &again)
		if again.AgentID != reg.AgentID {
			t.Fatalf("agent id %s, want %s", again.AgentID, reg.AgentID)
		}
		if s := e.heartbeatStatus(reg.AgentID, reg.AgentToken); s != http.StatusUnauthorized {
			t.Fatalf("old token after re-registration: heartbeat = %d, want 401", s)
		}
		reg.AgentToken = again.AgentToken
	})

	t.Run("a signature by the pinned key proves an enrollment-token re-registration", func(t *testing.T) {
		e := e.with(t)
		var again wire.RegisterResponse
		e.registerSigned(enroll, req, k1.Priv, time.Now()).want(t, http.StatusOK, &again)
		reg.AgentToken = again.AgentToken
	})

	t.Run("a stale or foreign signature is no proof", func(t *testing.T) {
		e := e.with(t)
		rotate := req
		rotate.SigningPubkey = k2.B64
		e.registerSigned(enroll, rotate, k1.Priv, time.Now().Add(-10*time.Minute)).wantProblem(t, http.StatusConflict)
		e.registerSigned(enroll, rotate, k2.Priv, time.Now()).wantProblem(t, http.StatusConflict)
		// A signature over another machine id does not carry over.
		body := rotate
		ts, sig := wire.Sign(k1.Priv, wire.PurposeRegister, "some-other-machine", time.Now(), mustJSON(t, body))
		e.do("POST", "/api/v1/agents/register", cred{Bearer: enroll}, mustJSON(t, body),
			wire.HeaderTimestamp, ts, wire.HeaderSignature, sig).wantProblem(t, http.StatusConflict)
	})

	t.Run("rotation signed by the pinned key", func(t *testing.T) {
		e := e.with(t)
		rotate := req
		rotate.SigningPubkey = k2.B64
		var rot wire.RegisterResponse
		e.registerSigned(enroll, rotate, k1.Priv, time.Now()).want(t, http.StatusOK, &rot)
		if rot.AgentID != reg.AgentID {
			t.Fatalf("rotation made agent %s, want %s", rot.AgentID, reg.AgentID)
		}
		var after agentReply
		e.do("GET", "/api/v1/agents/"+reg.AgentID, admin, nil).want(t, http.StatusOK, &after)
		if after.SigningKeyFingerprint != keyFingerprint(k2.Pub) {
			t.Fatalf("fingerprint after rotation %q, want %q", after.SigningKeyFingerprint, keyFingerprint(k2.Pub))
		}
		// The retired key proves nothing any more.
		next := req
		next.SigningPubkey = k3.B64
		e.registerSigned(enroll, next, k1.Priv, time.Now()).wantProblem(t, http.StatusConflict)
		e.registerSigned(enroll, next, k2.Priv, time.Now()).want(t, http.StatusOK, nil)
	})
}

func TestRegisterRefusesBadEnrollmentTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	admin, _ := e.apiKey(fx, auth.RoleAdmin)
	req := func() wire.RegisterRequest {
		return wire.RegisterRequest{MachineID: "m-" + uuid.NewString(), Hostname: "h"}
	}

	unknown, _, err := auth.NewToken(auth.KindEnrollment)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	badChecksum := good[:len(good)-1] + string(flipBase62(good[len(good)-1]))

	revoked, revokedRow := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	e.do("DELETE", "/api/v1/enrollment-tokens/"+revokedRow.ID.String(), admin, nil).want(t, http.StatusNoContent, nil)

	expired, expiredRow := e.enrollmentToken(fx.Tenant.ID, ptr(time.Now().Add(time.Hour)), nil)
	e.exec(`UPDATE enrollment_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, expiredRow.ID)

	apiKey, _ := e.apiKey(fx, auth.RoleOwner)

	once, _ := e.enrollmentToken(fx.Tenant.ID, nil, ptr(int32(1)))
	e.register(once, req()).want(t, http.StatusCreated, nil)

	for _, tc := range []struct{ name, token string }{
		{"unknown", unknown},
		{"bad checksum", badChecksum},
		{"not a token", "mse_short"},
		{"revoked", revoked},
		{"expired", expired},
		{"used up", once},
		{"an API key", apiKey.Bearer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			e.register(tc.token, req()).wantProblem(t, http.StatusUnauthorized)
		})
	}
	t.Run("no token", func(t *testing.T) {
		e := e.with(t)
		e.do("POST", "/api/v1/agents/register", cred{}, req()).wantProblem(t, http.StatusUnauthorized)
	})

	var list page[agentReply]
	e.do("GET", "/api/v1/agents", admin, nil).want(t, http.StatusOK, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d agents after refused registrations, want only the one the single-use token made", len(list.Items))
	}
	if s := e.register(good, req()).Status; s != http.StatusCreated {
		t.Fatalf("the untouched token = %d, want 201", s)
	}
}

// flipBase62 returns another base62 character, to break a checksum.
func flipBase62(c byte) byte {
	if c == 'a' {
		return 'b'
	}
	return 'a'
}

func TestRegisterRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fx := e.newTenant("acme")
	enroll, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	bearer := cred{Bearer: enroll}
	const path = "/api/v1/agents/register"

	e.do("POST", path, bearer, `{"machine_id": "m", "hostname": `).wantProblem(t, http.StatusBadRequest)
	e.do("POST", path, bearer, ``).wantProblem(t, http.StatusBadRequest)
	e.do("POST", path, bearer, `{"machine_id": 7, "hostname": "h"}`).wantProblem(t, http.StatusBadRequest)
	e.do("POST", path, bearer, `{"machine_id":"m","hostname":"h"}{}`).wantProblem(t, http.StatusBadRequest)

	p := e.register(enroll, wire.RegisterRequest{Hostname: "h"}).wantProblem(t, http.StatusUnprocessableEntity)
	if !p.hasFieldError("machine_id") {
		t.Fatalf("missing machine_id: errors %+v, want one for machine_id", p.Errors)
	}
	p = e.register(enroll, wire.RegisterRequest{MachineID: "   ", Hostname: ""}).wantProblem(t, http.StatusUnprocessableEntity)
	if !p.hasFieldError("machine_id") || !p.hasFieldError("hostname") {
		t.Fatalf("blank fields: errors %+v, want machine_id and hostname", p.Errors)
	}
	for _, key := range []string{"not base64!!", "c2hvcnQ=" /* "short": 5 bytes */} {
		p = e.register(enroll, wire.RegisterRequest{MachineID: "m", Hostname: "h", SigningPubkey: key}).wantProblem(t, http.StatusUnprocessableEntity)
		if !p.hasFieldError("signing_pubkey") {
			t.Fatalf("signing_pubkey %q: errors %+v, want one for signing_pubkey", key, p.Errors)
		}
	}

	e.do("POST", path, bearer, `{"machine_id":"m","hostname":"h"}`, "Content-Type", "text/plain").
		wantProblem(t, http.StatusUnsupportedMediaType)
	e.do("POST", path, bearer, `{"machine_id":"m","hostname":"h"}`, "Content-Type", "application/x-www-form-urlencoded").
		wantProblem(t, http.StatusUnsupportedMediaType)

	// None of that enrolled anything or used the token up.
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM agents`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("agents after bad requests: %d (%v), want 0", n, err)
	}
	// Agents may be newer than the hub: unknown fields are accepted.
	e.do("POST", path, bearer, `{"machine_id":"m","hostname":"h","future_field":1}`).want(t, http.StatusCreated, nil)
}
