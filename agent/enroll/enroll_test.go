package enroll

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monsys/monsys/wire"
)

// registrar is a hub's register route reduced to what the agent relies
// on: the same machine is the same agent, every answer carries a new
// token, only the latest token and live enrollment tokens are accepted,
// and every request is signed by the key it presents.
type registrar struct {
	t       *testing.T
	mu      sync.Mutex
	enroll  string
	current string // the agent's valid token
	n       int
	bearers []string
}

func (r *registrar) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var reg wire.RegisterRequest
	_ = json.Unmarshal(body, &reg) // checked through the signature below
	pub, _ := base64.StdEncoding.DecodeString(reg.SigningPubkey)
	if _, err := wire.Verify(ed25519.PublicKey(pub), wire.PurposeRegister, reg.MachineID, req.Header.Get(wire.HeaderTimestamp),
		req.Header.Get(wire.HeaderSignature), body, time.Now(), nil); err != nil {
		r.t.Errorf("registration signature: %v", err)
	}
	bearer := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bearers = append(r.bearers, bearer)
	if bearer != r.enroll && (r.current == "" || bearer != r.current) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"title":"Unauthorized","detail":"the token is unknown or revoked"}`)
		return
	}
	r.n++
	r.current = "msa_token" + string(rune('0'+r.n))
	_ = json.NewEncoder(w).Encode(wire.RegisterResponse{AgentID: "agent-1", AgentToken: r.current, Created: r.n == 1})
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func opts(dir, hub, token string) Options {
	return Options{Dir: dir, HubURL: hub, EnrollmentToken: token,
		Request: Request{MachineID: "machine-1", Hostname: "web-1", OS: "linux", Arch: "amd64", AgentVersion: "test"}}
}

// TestEnsureReRegistersIdempotently enrolls, restarts (re-registering
// with the saved agent token and keeping the new one), keeps the key and
// the files private, and falls back to the enrollment token when the
// saved token was revoked.
func TestEnsureReRegistersIdempotently(t *testing.T) {
	reg := &registrar{t: t, enroll: "mse_enroll"}
	hub := httptest.NewServer(reg)
	defer hub.Close()
	dir := filepath.Join(t.TempDir(), "state")

	first, err := Ensure(context.Background(), hub.Client(), opts(dir, hub.URL, "mse_enroll"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	second, err := Ensure(context.Background(), hub.Client(), opts(dir, hub.URL, ""), quiet())
	if err != nil {
		t.Fatal(err)
	}
	if second.State.AgentID != first.State.AgentID || second.State.AgentToken != "msa_token2" || !second.Key.Equal(first.Key) {
		t.Errorf("restart: %+v, want the same agent and key with the new token msa_token2", second.State)
	}
	if reg.bearers[1] != "msa_token1" {
		t.Errorf("the restart registered with %q, want the saved agent token", reg.bearers[1])
	}
	saved, ok, err := LoadState(dir)
	if err != nil || !ok || saved.AgentToken != "msa_token2" {
		t.Errorf("saved state %+v %v %v, want the new token", saved, ok, err)
	}
	for name, want := range map[string]os.FileMode{".": 0o700, stateFile: 0o600, keyFile: 0o600} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", name, st.Mode().Perm(), err, want)
		}
	}

	reg.mu.Lock()
	reg.current = "msa_revoked_by_admin"
	reg.mu.Unlock()
	if _, err := Ensure(context.Background(), hub.Client(), opts(dir, hub.URL, ""), quiet()); err == nil || !strings.Contains(err.Error(), "not accepted") {
		t.Errorf("revoked token without an enrollment token: err %v, want a refusal", err)
	}
	again, err := Ensure(context.Background(), hub.Client(), opts(dir, hub.URL, "mse_enroll"), quiet())
	if err != nil || again.State.AgentID != "agent-1" {
		t.Errorf("revoked token with the enrollment token: %+v, %v; want re-enrolled as agent-1", again.State, err)
	}
}

// TestEnsureHubDown: an enrolled agent starts without its hub and keeps
// its saved identity; a new one refuses with a message naming the problem.
func TestEnsureHubDown(t *testing.T) {
	reg := &registrar{t: t, enroll: "mse_enroll"}
	hub := httptest.NewServer(reg)
	dir := t.TempDir()
	if _, err := Ensure(context.Background(), hub.Client(), opts(dir, hub.URL, "mse_enroll"), quiet()); err != nil {
		t.Fatal(err)
	}
	url := hub.URL
	hub.Close()
	id, err := Ensure(context.Background(), http.DefaultClient, opts(dir, url, ""), quiet())
	if err != nil || id.State.AgentToken != "msa_token1" {
		t.Errorf("hub down, enrolled agent: %+v, %v; want the saved identity", id.State, err)
	}
	_, err = Ensure(context.Background(), http.DefaultClient, opts(t.TempDir(), url, "mse_enroll"), quiet())
	if err == nil || !strings.Contains(err.Error(), "cannot reach the hub") {
		t.Errorf("hub down, new agent: %v, want 'cannot reach the hub'", err)
	}
	_, err = Ensure(context.Background(), http.DefaultClient, opts(t.TempDir(), url, ""), quiet())
	if err == nil || !strings.Contains(err.Error(), "--token") {
		t.Errorf("no token, new agent: %v, want a message asking for --token", err)
	}
}

func TestCorruptKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, keyFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(dir); err == nil || !strings.Contains(err.Error(), "rotate-signing-key") {
		t.Errorf("corrupt key: %v, want a refusal saying how to recover", err)
	}
}
