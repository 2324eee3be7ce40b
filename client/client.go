package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxAnswer caps what one answer may hold: a metric range at the API's
// limits is tens of megabytes, anything far past it is not the hub.
const maxAnswer = 256 << 20

// Config says which hub to call and as whom.
type Config struct {
	BaseURL    string       // the hub, e.g. https://monsys.example.com (a path prefix is kept)
	APIKey     string       // msk_…; empty for the calls anyone may make (health, login)
	HTTPClient *http.Client // nil: one with a 60 s timeout
	UserAgent  string       // e.g. monsys-cli/1.2.3
}

// Client calls one hub with one credential.
type Client struct {
	base     *url.URL
	apiKey   string
	session  *session // set on a Client answered by Login or FinishTOTP
	http     *http.Client
	ua       string
	pageSize int // items asked for per page when walking a listing
}

// session is a signed-in person: the cookie and the CSRF token that every
// state-changing request carries with it.
type session struct {
	cookie string // name=value
	csrf   string
}

// New checks the URL and returns a Client for it.
func New(cfg Config) (*Client, error) {
	base, err := ParseHubURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "monsys-client"
	}
	return &Client{base: base, apiKey: cfg.APIKey, http: hc, ua: ua, pageSize: maxPage}, nil
}

// ParseHubURL checks that raw is an http or https URL with a host and
// returns it without a trailing slash, query or fragment.
func ParseHubURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("hub URL %q: want http(s)://host[:port], like https://monsys.example.com", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	return u, nil
}

// URL is the hub's base URL as the Client calls it.
func (c *Client) URL() string { return c.base.String() }

// withSession is a copy of c that signs requests with s instead of the API key.
func (c *Client) withSession(s *session) *Client {
	cp := *c
	cp.apiKey, cp.session = "", s
	return &cp
}

// call sends one request to path (under /api/v1) with query q and body
// (JSON-encoded when not nil) and answers the body of a 2xx reply. Any
// other reply becomes an error: see Error, UnreachableError, NotHubError.
func (c *Client) call(ctx context.Context, method, path string, q url.Values, body any) ([]byte, http.Header, error) {
	u := *c.base
	u.Path += "/api/v1" + path
	u.RawQuery = q.Encode()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.ua)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.apiKey != "":
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	case c.session != nil:
		req.Header.Set("Cookie", c.session.cookie)
		if method != http.MethodGet {
			req.Header.Set("X-CSRF-Token", c.session.csrf)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) { // its text repeats the method and URL
			err = ue.Err
		}
		return nil, nil, &UnreachableError{URL: c.URL(), Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, nil, &UnreachableError{URL: c.URL(), Err: fmt.Errorf("read the answer to %s %s: %w", method, path, err)}
	}
	if len(b) > maxAnswer {
		return nil, nil, &NotHubError{URL: c.URL(), Status: resp.StatusCode, Reason: "the answer is larger than 256 MiB"}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if len(b) > 0 && !isJSON(resp.Header.Get("Content-Type")) {
			return nil, nil, &NotHubError{URL: c.URL(), Status: resp.StatusCode,
				Reason: "it answered " + method + " " + u.Path + " with " + orNone(resp.Header.Get("Content-Type")) + ", not JSON"}
		}
		return b, resp.Header, nil
	}
	return nil, nil, c.problem(resp, method, u.Path, b)
}

// get decodes the JSON answer of a GET into out and keeps the raw answer
// when out can hold it.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	return c.send(ctx, http.MethodGet, path, q, nil, out)
}

// send is call that decodes the answer into out (nil: ignore it).
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body, out any) error {
	b, _, err := c.call(ctx, method, path, q, body)
	if err != nil || out == nil {
		return err
	}
	return decode(b, out, method+" "+path)
}

// decode unmarshals an answer into out and, when out embeds Raw, keeps it.
func decode(b []byte, out any, what string) error {
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode the answer to %s: %w", what, err)
	}
	if k, ok := out.(keeper); ok {
		k.keep(b)
	}
	return nil
}

func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || mt == "application/problem+json"
}

func orNone(s string) string {
	if s == "" {
		return "no Content-Type"
	}
	return s
}
