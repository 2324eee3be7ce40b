package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Classes of answers, for errors.Is on an *Error.
var (
	ErrInvalid      = errors.New("the hub refused the request as invalid") // 400, 422
	ErrUnauthorized = errors.New("not signed in, or the credential was refused")
	ErrForbidden    = errors.New("the credential's role does not allow this")
	ErrNotFound     = errors.New("no such object")
	ErrServer       = errors.New("the hub failed") // 5xx, 429
)

// Error is a problem document (RFC 9457) the hub answered.
type Error struct {
	Status    int          `json:"status"`
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Detail    string       `json:"detail"`
	RequestID string       `json:"request_id"`
	Errors    []FieldError `json:"errors"`
	// RetryAfter is the Retry-After header of a 429 or 503, as sent.
	RetryAfter string `json:"-"`
}

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Title)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	for _, f := range e.Errors {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) and the other classes work.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrInvalid:
		return e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrServer:
		return e.Status >= 500 || e.Status == http.StatusTooManyRequests
	}
	return false
}

// UnreachableError is a request that got no answer: a wrong host or port,
// DNS, TLS, a refused connection or a timeout.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the hub at %s: %v", e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// NotHubError is an answer that no monsys hub gives: the URL names some
// other web server, or a proxy answered in its place.
type NotHubError struct {
	URL    string
	Status int
	Reason string
}

func (e *NotHubError) Error() string {
	return fmt.Sprintf("%s does not answer like a monsys hub (HTTP %d): %s", e.URL, e.Status, e.Reason)
}

// problem turns a non-2xx answer into an *Error, or a *NotHubError when
// the body is not a problem document.
func (c *Client) problem(resp *http.Response, method, path string, body []byte) error {
	var p Error
	if !isJSON(resp.Header.Get("Content-Type")) || json.Unmarshal(body, &p) != nil || p.Title == "" {
		return &NotHubError{URL: c.URL(), Status: resp.StatusCode,
			Reason: method + " " + path + " answered " + orNone(resp.Header.Get("Content-Type")) + " without a problem document"}
	}
	p.Status = resp.StatusCode // the status line wins over the body's copy
	p.RetryAfter = resp.Header.Get("Retry-After")
	return &p
}
