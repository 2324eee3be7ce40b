package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/monsys/monsys/cliconfig"
	"github.com/monsys/monsys/client"
)

// Exit codes: scripts tell a mistake of theirs from a missing object, a
// refused credential and a hub in trouble.
const (
	exitFailure  = 1 // anything else: a local error, a conflict, a broken audit chain
	exitUsage    = 2 // bad flags or arguments, or a request the hub refused as invalid (400, 422)
	exitNotFound = 3 // no such agent, alert, rule … (404)
	exitAuth     = 4 // not signed in, the credential refused (401) or the role too low (403)
	exitServer   = 5 // the hub failed (5xx, 429), cannot be reached, or is not a monsys hub
)

// usageError is a mistake in how a command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErr(err error) error { return usageError{err} }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode classifies err.
func exitCode(err error) int {
	var usage usageError
	var ambiguous *client.AmbiguousHostError
	var unreachable *client.UnreachableError
	var notHub *client.NotHubError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &usage), errors.As(err, &ambiguous), errors.Is(err, client.ErrInvalid):
		return exitUsage
	case errors.Is(err, client.ErrNotFound):
		return exitNotFound
	case errors.Is(err, client.ErrUnauthorized), errors.Is(err, client.ErrForbidden), errors.Is(err, cliconfig.ErrNoContext):
		return exitAuth
	case errors.Is(err, client.ErrServer), errors.As(err, &unreachable), errors.As(err, &notHub):
		return exitServer
	}
	return exitFailure
}

// reportError writes err for a person: a problem's title and detail, its
// invalid fields one per line, and what to do about a refused credential.
func reportError(w io.Writer, err error) {
	fmt.Fprintln(w, "monsys:", err)
	var p *client.Error
	var signIn signInError
	switch {
	case errors.As(err, &signIn):
		// Refused at sign-in: the message says why; nothing was stored.
	case errors.As(err, &p) && p.Status == 401:
		fmt.Fprintln(w, "  the hub refused the stored credential (revoked, expired or unknown): sign in again with `monsys login`")
	case errors.As(err, &p) && p.RequestID != "" && p.Status >= 500:
		fmt.Fprintln(w, "  request id:", p.RequestID, "(the hub's log has the cause)")
	case errors.As(err, &p) && p.RetryAfter != "":
		fmt.Fprintln(w, "  retry after", p.RetryAfter, "seconds")
	}
}

// signInError is a login the hub refused: wrong password or code, not a
// stored credential gone stale.
type signInError struct{ err error }

func (e signInError) Error() string { return e.err.Error() }
func (e signInError) Unwrap() error { return e.err }
