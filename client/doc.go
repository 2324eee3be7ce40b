// Package client is a typed Go client of monsys's person-facing HTTP API
// (/api/v1), used by the `monsys` command line and usable by any Go program.
//
// A Client is built from a hub URL and an API key (msk_…). Every call takes
// a context, sends one request (list calls walk the pages they need), and
// answers a typed value that also keeps the hub's own JSON (JSON()), so a
// caller can show exactly what the API said. A problem document (RFC 9457)
// becomes an *Error whose Status classifies it with errors.Is: ErrNotFound,
// ErrUnauthorized, ErrForbidden, ErrInvalid, ErrServer. A hub that cannot be
// reached is an *UnreachableError, and an answer that is not monsys's (a
// wrong URL that hits another web server) a *NotHubError.
//
// Signing in with a password (Login, FinishTOTP) answers a second Client
// that carries the session cookie and CSRF token; the command line uses it
// only to mint an API key and end the session.
//
// A Client is safe for concurrent use. The package imports no server code:
// no pgx, no Fiber, no hub package (a test runs `go list -deps`).
package client
