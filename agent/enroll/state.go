package enroll

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// State is what the agent keeps between runs.
type State struct {
	AgentID    string `json:"agent_id"`
	AgentToken string `json:"agent_token"`
	MachineID  string `json:"machine_id"`
	HubURL     string `json:"hub_url"`
	// HubKey is the hub's grant-signing public key (base64), pinned on the
	// first registration that carried one; a different one later is ignored.
	HubKey string `json:"hub_key,omitempty"`
}

const (
	stateFile = "state.json"
	keyFile   = "signing.key"
)

// OpenDir creates dir with mode 0700 or tightens an existing one to it.
func OpenDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restrict state directory to its owner: %w", err)
	}
	return nil
}

// LoadKey reads the signing key, generating and saving one on first use.
func LoadKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, keyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate signing key: %w", err)
		}
		if err := writeAtomic(path, []byte(base64.StdEncoding.EncodeToString(priv.Seed())+"\n")); err != nil {
			return nil, fmt.Errorf("save signing key: %w", err)
		}
		return priv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s is not a base64 Ed25519 seed; restore it from a backup, or remove it and have an admin clear the agent's key (POST /agents/:id/rotate-signing-key)", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// LoadState reads state.json; ok is false when there is none yet.
func LoadState(dir string) (State, bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, fmt.Errorf("read agent state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, false, fmt.Errorf("decode %s: %w", filepath.Join(dir, stateFile), err)
	}
	return st, st.AgentID != "" && st.AgentToken != "", nil
}

// SaveState replaces state.json atomically.
func SaveState(dir string, st State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode agent state: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, stateFile), append(b, '\n')); err != nil {
		return fmt.Errorf("save agent state: %w", err)
	}
	return nil
}

// writeAtomic writes path with mode 0600 through a synced temporary file.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp) // a partial temporary file is worthless
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // the rename is durable on the next sync anyway
		_ = d.Close()
	}
	return nil
}
