package enroll

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/monsys/monsys/wire"
)

// TestHubKeyIsPinnedOnce: the first hub key a registration gives is kept;
// a later, different one is ignored (a hub that could sign grants with
// another key would otherwise be trusted by one registration answer).
func TestHubKeyIsPinnedOnce(t *testing.T) {
	dir, err := os.MkdirTemp("", "enroll-hubkey-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	res := wire.RegisterResponse{AgentID: "a1", AgentToken: "msa_x", HubKey: "first"}
	id, err := save(dir, State{}, "http://hub", "m1", res, key, log)
	if err != nil || id.State.HubKey != "first" {
		t.Fatalf("first registration pinned %q (%v)", id.State.HubKey, err)
	}
	res.HubKey = "second"
	id, err = save(dir, id.State, "http://hub", "m1", res, key, log)
	if err != nil || id.State.HubKey != "first" {
		t.Fatalf("a later registration replaced the pinned key with %q (%v)", id.State.HubKey, err)
	}
	st, ok, err := LoadState(dir)
	if err != nil || !ok || st.HubKey != "first" {
		t.Fatalf("state.json holds %q (%v)", st.HubKey, err)
	}
	res.HubKey = ""
	if id, _ = save(dir, State{}, "http://hub", "m1", res, key, log); id.State.HubKey != "" {
		t.Errorf("a hub without a key left %q pinned", id.State.HubKey)
	}
}
