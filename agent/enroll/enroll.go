package enroll

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/monsys/monsys/wire"
)

// Identity is a registered agent: its state and key.
type Identity struct {
	State State
	Key   ed25519.PrivateKey
}

// Options are the inputs of Ensure.
type Options struct {
	Dir             string
	HubURL          string
	EnrollmentToken string // may be empty once the agent is registered
	Request         Request
}

// Ensure loads the identity in o.Dir and (re-)registers it; see the package comment.
func Ensure(ctx context.Context, client *http.Client, o Options, log *slog.Logger) (Identity, error) {
	if err := OpenDir(o.Dir); err != nil {
		return Identity{}, err
	}
	key, err := LoadKey(o.Dir)
	if err != nil {
		return Identity{}, err
	}
	st, have, err := LoadState(o.Dir)
	if err != nil {
		return Identity{}, err
	}
	hub := strings.TrimRight(o.HubURL, "/")
	if hub == "" {
		hub = st.HubURL
	}
	if hub == "" {
		return Identity{}, errors.New("no hub URL: pass --hub (or MONSYS_AGENT_HUB)")
	}
	req := o.Request
	req.HubURL, req.Key = hub, key
	if have && st.HubURL == hub {
		req.Bearer = st.AgentToken
		res, err := Register(ctx, client, req)
		switch {
		case err == nil:
			return save(o.Dir, st, hub, req.MachineID, res, key, log)
		case errors.Is(err, ErrUnreachable):
			log.Warn("hub not reachable at start; using the saved token and spooling until it is", "hub", hub, "err", err)
			return Identity{State: st, Key: key}, nil
		case o.EnrollmentToken == "":
			return Identity{}, fmt.Errorf("re-register with the saved agent token: %w", err)
		}
		log.Warn("the saved agent token was refused; registering with the enrollment token", "err", err)
	}
	if o.EnrollmentToken == "" {
		return Identity{}, errors.New("this agent is not registered yet: pass --token mse_… (or MONSYS_AGENT_TOKEN), an enrollment token from the hub")
	}
	if !strings.HasPrefix(o.EnrollmentToken, "mse_") && !strings.HasPrefix(o.EnrollmentToken, "msa_") {
		return Identity{}, errors.New("--token must be an enrollment token (mse_…) from the hub")
	}
	req.Bearer = o.EnrollmentToken
	res, err := Register(ctx, client, req)
	if err != nil {
		return Identity{}, fmt.Errorf("register with %s: %w", hub, err)
	}
	log.Info("registered with the hub", "hub", hub, "agent_id", res.AgentID, "created", res.Created)
	if st.HubURL != hub {
		st.HubKey = "" // a different hub: its key is pinned afresh
	}
	return save(o.Dir, st, hub, req.MachineID, res, key, log)
}

// save keeps the registration's answer. The hub key is pinned the first
// time a hub gives one (agents registered before hubs had one pin it on
// their next registration); a different key later is logged and ignored.
func save(dir string, prev State, hub, machineID string, res wire.RegisterResponse, key ed25519.PrivateKey, log *slog.Logger) (Identity, error) {
	st := State{AgentID: res.AgentID, AgentToken: res.AgentToken, MachineID: machineID, HubURL: hub, HubKey: prev.HubKey}
	switch {
	case st.HubKey == "":
		st.HubKey = res.HubKey
	case res.HubKey != "" && res.HubKey != st.HubKey:
		log.Warn("the hub offered a different grant-signing key; keeping the pinned one (remove hub_key from state.json to pin the new key)")
	}
	if err := SaveState(dir, st); err != nil {
		return Identity{}, err
	}
	return Identity{State: st, Key: key}, nil
}
