package main_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

const sessionCookie = "__Host-monsys_session"

// client talks to one hub as a person (session cookie and CSRF token) or
// as an agent (bearer token).
type client struct {
	h      *hub
	cookie string // name=value of the session cookie
	csrf   string
}

func (h *hub) client() *client { return &client{h: h} }

// do sends a request and returns the status and body. bearer, when set,
// replaces the session cookie. The cookie is Secure, so no cookie jar would
// send it over plain http: the header is set by hand.
func (c *client) do(t *testing.T, method, path, bearer string, body any) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.h.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case bearer != "":
		req.Header.Set("Authorization", "Bearer "+bearer)
	case c.cookie != "":
		req.Header.Set("Cookie", c.cookie)
		if method != http.MethodGet {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	resp, err := c.h.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// call is do that requires status want and decodes the answer into out.
func (c *client) call(t *testing.T, method, path, bearer string, body any, want int, out any) {
	t.Helper()
	status, _, b := c.do(t, method, path, bearer, body)
	if status != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// login signs in and keeps the session cookie and CSRF token.
func (c *client) login(t *testing.T, email, password string) {
	t.Helper()
	status, header, b := c.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
	if status != http.StatusOK {
		t.Fatalf("login as %s = %d: %s", email, status, b)
	}
	var reply struct {
		CSRFToken    string `json:"csrf_token"`
		TOTPRequired bool   `json:"totp_required"`
		User         struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	if err := json.Unmarshal(b, &reply); err != nil || reply.CSRFToken == "" || reply.TOTPRequired || reply.User.Email != email {
		t.Fatalf("login answer %s (%v)", b, err)
	}
	resp := http.Response{Header: header}
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			if !ck.Secure || !ck.HttpOnly || ck.Path != "/" {
				t.Errorf("session cookie Secure=%v HttpOnly=%v Path=%q; want Secure, HttpOnly, /", ck.Secure, ck.HttpOnly, ck.Path)
			}
			c.cookie, c.csrf = ck.Name+"="+ck.Value, reply.CSRFToken
			return
		}
	}
	t.Fatalf("login set no %s cookie: %v", sessionCookie, header.Values("Set-Cookie"))
}

// agent is what registration hands an agent.
type agent struct {
	ID    string `json:"agent_id"`
	Token string `json:"agent_token"`
}

// register enrolls machine with bearer (an mse_ or msa_ token) and a fresh
// signing key, requiring status want.
func (c *client) register(t *testing.T, bearer, machine, hostname string, want int) agent {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return c.registerKey(t, bearer, machine, hostname, pub, want)
}

// registerKey is register with the caller's signing key, for a test that
// signs ingest requests with its private half.
func (c *client) registerKey(t *testing.T, bearer, machine, hostname string, pub ed25519.PublicKey, want int) agent {
	t.Helper()
	var a agent
	c.call(t, http.MethodPost, "/api/v1/agents/register", bearer, map[string]string{
		"machine_id": machine, "hostname": hostname, "os": "linux", "arch": "amd64",
		"agent_version": "0.0.0-e2e", "signing_pubkey": base64.StdEncoding.EncodeToString(pub),
	}, want, &a)
	if a.ID == "" || len(a.Token) < 4 || a.Token[:4] != "msa_" {
		t.Fatalf("registration answer without agent id or msa_ token: %+v", a)
	}
	return a
}

// heartbeat reports the agent alive with its own token.
func (c *client) heartbeat(t *testing.T, a agent) {
	t.Helper()
	var reply struct{ Status string }
	c.call(t, http.MethodPost, "/api/v1/agents/"+a.ID+"/heartbeat", a.Token,
		map[string]any{"uptime_s": 42, "agent_version": "0.0.0-e2e"}, http.StatusOK, &reply)
	if reply.Status != "ok" {
		t.Fatalf("heartbeat answer status %q", reply.Status)
	}
}

// listedAgent is the part of GET /api/v1/agents the test looks at.
type listedAgent struct {
	ID        string `json:"id"`
	MachineID string `json:"machine_id"`
	Hostname  string `json:"hostname"`
	Status    string `json:"status"`
}

// agents lists the tenant's agents by id.
func (c *client) agents(t *testing.T) map[string]listedAgent {
	t.Helper()
	var page struct{ Items []listedAgent }
	c.call(t, http.MethodGet, "/api/v1/agents", "", nil, http.StatusOK, &page)
	byID := make(map[string]listedAgent, len(page.Items))
	for _, a := range page.Items {
		byID[a.ID] = a
	}
	return byID
}

// dropDefaultRules deletes the default alert rules the tenant started
// with, so that a test's alerts and rule lists are its own.
func (c *client) dropDefaultRules(t *testing.T) {
	t.Helper()
	var page struct {
		Items []struct{ ID, Builtin string }
	}
	c.call(t, http.MethodGet, "/api/v1/alert-rules?limit=100", "", nil, http.StatusOK, &page)
	n := 0
	for _, r := range page.Items {
		if r.Builtin != "" {
			c.call(t, http.MethodDelete, "/api/v1/alert-rules/"+r.ID, "", nil, http.StatusNoContent, nil)
			n++
		}
	}
	if n == 0 {
		t.Fatalf("the first tenant had no default rules")
	}
}
