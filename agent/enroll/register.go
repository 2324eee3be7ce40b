package enroll

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/monsys/monsys/wire"
)

// ErrRefused is a registration the hub answered with a 4xx: retrying the
// same request cannot succeed.
var ErrRefused = errors.New("the hub refused the registration")

// ErrUnreachable is a registration that got no HTTP answer.
var ErrUnreachable = errors.New("cannot reach the hub")

// Request is one registration attempt.
type Request struct {
	HubURL       string
	Bearer       string // enrollment token (mse_…) or agent token (msa_…)
	MachineID    string
	Hostname     string
	OS, Arch     string
	AgentVersion string
	Key          ed25519.PrivateKey
}

// Register posts the registration, signed with the agent's key so a hub
// that pinned it accepts the request as proof of possession.
func Register(ctx context.Context, client *http.Client, r Request) (wire.RegisterResponse, error) {
	body, err := json.Marshal(wire.RegisterRequest{MachineID: r.MachineID, Hostname: r.Hostname, OS: r.OS, Arch: r.Arch,
		AgentVersion: r.AgentVersion, SigningPubkey: base64.StdEncoding.EncodeToString(r.Key.Public().(ed25519.PublicKey))})
	if err != nil {
		return wire.RegisterResponse{}, fmt.Errorf("encode registration: %w", err)
	}
	url := strings.TrimRight(r.HubURL, "/") + "/api/v1/agents/register"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return wire.RegisterResponse{}, fmt.Errorf("%w at %s: %w", ErrUnreachable, r.HubURL, err)
	}
	ts, sig := wire.Sign(r.Key, wire.PurposeRegister, r.MachineID, time.Now(), body)
	req.Header.Set("Authorization", "Bearer "+r.Bearer)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	resp, err := client.Do(req)
	if err != nil {
		return wire.RegisterResponse{}, fmt.Errorf("%w at %s: %w", ErrUnreachable, r.HubURL, err)
	}
	defer resp.Body.Close()                                    // read below
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)) // an unreadable body is judged by its status
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
		var out wire.RegisterResponse
		if err := json.Unmarshal(answer, &out); err != nil || out.AgentID == "" || out.AgentToken == "" {
			return out, fmt.Errorf("%w: %s answered %d without an agent id and token: is this a monsys hub?", ErrRefused, url, resp.StatusCode)
		}
		return out, nil
	}
	detail := problemText(answer)
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return wire.RegisterResponse{}, fmt.Errorf("%w: the token was not accepted (%s); create a new enrollment token (monsys token create, or POST /api/v1/enrollment-tokens) and pass it with --token", ErrRefused, detail)
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		return wire.RegisterResponse{}, fmt.Errorf("%w: %s answered %d: the --hub URL does not point at a monsys hub (want its base URL, e.g. https://monsys.example.com)", ErrRefused, url, resp.StatusCode)
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return wire.RegisterResponse{}, fmt.Errorf("%w (%d): %s", ErrRefused, resp.StatusCode, detail)
	}
	return wire.RegisterResponse{}, fmt.Errorf("%w at %s: it answered %d: %s", ErrUnreachable, r.HubURL, resp.StatusCode, detail)
}

func problemText(b []byte) string {
	var p struct{ Title, Detail string }
	if json.Unmarshal(b, &p) == nil && p.Title != "" {
		if p.Detail != "" {
			return p.Title + ": " + p.Detail
		}
		return p.Title
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.TrimSpace(string(b))
}
