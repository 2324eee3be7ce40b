package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// sessionCookieSuffix ends the hub's session cookie name, with its
// __Host- prefix or (MONSYS_INSECURE_COOKIES) without.
const sessionCookieSuffix = "monsys_session"

// Health asks the hub whether it and its database are up: the first call
// of a login, which tells a wrong URL from a hub.
func (c *Client) Health(ctx context.Context) error {
	var h struct {
		Status string `json:"status"`
	}
	err := c.get(ctx, "/health", nil, &h)
	if errors.Is(err, ErrNotFound) {
		return &NotHubError{URL: c.URL(), Status: http.StatusNotFound,
			Reason: "it has no /api/v1/health: give the hub's base URL, without /api/v1"}
	}
	if err != nil {
		return err
	}
	if h.Status != "ok" {
		return &NotHubError{URL: c.URL(), Status: http.StatusOK, Reason: "GET /api/v1/health answered no status ok"}
	}
	return nil
}

// Login is the answer to a password (and TOTP) login.
type Login struct {
	Raw
	User         User       `json:"user"`
	Tenant       Tenant     `json:"tenant"`
	Role         string     `json:"role"`
	TOTPRequired bool       `json:"totp_required"`
	Challenge    string     `json:"challenge"`
	ExpiresAt    *time.Time `json:"expires_at"`
}

// User is a person.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Tenant is an organisation on the hub.
type Tenant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// Login signs in with email and password. With TOTP on the account it
// answers TOTPRequired and a Challenge for FinishTOTP, and no Client;
// otherwise a Client that acts as the signed-in person.
func (c *Client) Login(ctx context.Context, email, password string) (*Client, Login, error) {
	return c.signIn(ctx, "/auth/login", map[string]string{"email": email, "password": password})
}

// FinishTOTP completes a login with a TOTP code or a recovery code.
func (c *Client) FinishTOTP(ctx context.Context, challenge, code string) (*Client, Login, error) {
	return c.signIn(ctx, "/auth/totp/challenge", map[string]string{"challenge": challenge, "code": code})
}

func (c *Client) signIn(ctx context.Context, path string, body any) (*Client, Login, error) {
	anon := c.withSession(nil)
	b, hdr, err := anon.call(ctx, http.MethodPost, path, nil, body)
	if err != nil {
		return nil, Login{}, err
	}
	var l struct {
		Login
		CSRFToken string `json:"csrf_token"`
	}
	if err := decode(b, &l, "POST "+path); err != nil { // keeps the raw answer in l.Login
		return nil, Login{}, err
	}
	if l.TOTPRequired {
		return nil, l.Login, nil
	}
	resp := http.Response{Header: hdr}
	for _, ck := range resp.Cookies() {
		if strings.HasSuffix(ck.Name, sessionCookieSuffix) && ck.Value != "" {
			// Set by hand: the cookie is Secure, and a cookie jar would
			// not send it to a hub on plain http (localhost).
			return c.withSession(&session{cookie: ck.Name + "=" + ck.Value, csrf: l.CSRFToken}), l.Login, nil
		}
	}
	return nil, Login{}, &NotHubError{URL: c.URL(), Status: http.StatusOK, Reason: "the login answer set no session cookie"}
}

// Logout ends the session of a Client answered by Login.
func (c *Client) Logout(ctx context.Context) error {
	return c.send(ctx, http.MethodPost, "/auth/logout", nil, nil, nil)
}

// TenantMembership is a tenant the caller belongs to, with the caller's role.
type TenantMembership struct {
	Raw
	Tenant
	Role    string `json:"role"`
	Current bool   `json:"current"` // the tenant of this credential
}

// Tenants lists the tenants the caller belongs to; the credential's own
// is marked Current.
func (c *Client) Tenants(ctx context.Context) (List[TenantMembership], error) {
	var pg rawPage
	if err := c.get(ctx, "/auth/tenants", nil, &pg); err != nil {
		return List[TenantMembership]{}, err
	}
	var l List[TenantMembership]
	return l, appendItems(&l, pg.Items, "GET /auth/tenants")
}

// APIKey is a new API key: the key itself is shown once.
type APIKey struct {
	Raw
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	Key       string     `json:"key"`
}

// NewAPIKey is what a key is made with; an empty Role is the caller's.
type NewAPIKey struct {
	Name      string     `json:"name"`
	Role      string     `json:"role,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// CreateAPIKey mints an API key with a role no higher than the caller's.
func (c *Client) CreateAPIKey(ctx context.Context, n NewAPIKey) (APIKey, error) {
	var k APIKey
	err := c.send(ctx, http.MethodPost, "/api-keys", nil, n, &k)
	return k, err
}

// RevokeAPIKey revokes an API key (the caller's own, or any as an admin).
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	return c.send(ctx, http.MethodDelete, "/api-keys/"+url.PathEscape(id), nil, nil, nil)
}
