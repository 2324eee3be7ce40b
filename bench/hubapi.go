package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/monsys/monsys/wire"
)

// HubAPI is the people's side of the hub's API that the benchmark needs:
// sign in, create an enrollment token, register agents.
type HubAPI struct {
	URL    string
	HTTP   *http.Client
	cookie string
	csrf   string
}

// call sends a JSON request and decodes a JSON answer with status want.
// bearer, when set, replaces the session.
func (h *HubAPI) call(ctx context.Context, method, path, bearer string, in any, want int, out any) (http.Header, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", method, path, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	} else if h.cookie != "" {
		req.Header.Set("Cookie", h.cookie) // Secure cookies travel over plain http only by hand
		req.Header.Set("X-CSRF-Token", h.csrf)
	}
	resp, err := h.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s answered %d, want %d: %s", method, path, resp.StatusCode, want, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

// Login signs in and keeps the session for later calls.
func (h *HubAPI) Login(ctx context.Context, email, password string) error {
	var reply struct {
		CSRFToken string `json:"csrf_token"`
	}
	hdr, err := h.call(ctx, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, http.StatusOK, &reply)
	if err != nil {
		return err
	}
	for _, ck := range (&http.Response{Header: hdr}).Cookies() {
		if strings.HasSuffix(ck.Name, "monsys_session") {
			h.cookie, h.csrf = ck.Name+"="+ck.Value, reply.CSRFToken
			return nil
		}
	}
	return fmt.Errorf("login as %s set no session cookie", email)
}

// EnrollmentToken creates an enrollment token (signed in as an admin).
func (h *HubAPI) EnrollmentToken(ctx context.Context, name string) (string, error) {
	var reply struct {
		Token string `json:"token"`
	}
	if _, err := h.call(ctx, http.MethodPost, "/api/v1/enrollment-tokens", "", map[string]string{"name": name}, http.StatusCreated, &reply); err != nil {
		return "", err
	}
	return reply.Token, nil
}

// Register enrolls a with the enrollment token and pins its key; a's ID
// and Token are set from the answer.
func (h *HubAPI) Register(ctx context.Context, enrollToken, machineID string, a *SimAgent) error {
	req := wire.RegisterRequest{MachineID: machineID, Hostname: machineID, OS: "linux", Arch: "amd64",
		AgentVersion: "monsys-bench", SigningPubkey: base64.StdEncoding.EncodeToString(a.Pub)}
	var reply wire.RegisterResponse
	if _, err := h.call(ctx, http.MethodPost, "/api/v1/agents/register", enrollToken, req, http.StatusCreated, &reply); err != nil {
		return err
	}
	a.ID, a.Token = reply.AgentID, reply.AgentToken
	return nil
}
