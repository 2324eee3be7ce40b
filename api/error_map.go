package api

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/console"
	"github.com/monsys/monsys/ingest"
	"github.com/monsys/monsys/notify"
	"github.com/monsys/monsys/query"
	"github.com/monsys/monsys/relay"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/tsdb"
	"github.com/monsys/monsys/vuln"
)

// domainAnswer is the answer a domain error gets on every route.
type domainAnswer struct {
	err        error
	status     int
	slug       string
	detail     string
	field      string // set: a 422 naming this field, with detail as its message
	retryAfter int    // seconds; sent as Retry-After when > 0
}

// domainAnswers are the facts with one answer everywhere, matched with
// errors.Is in this order (specific sentinels before the general ones).
// A new sentinel that a client can act on gets its row here; an endpoint
// that answers one of them in its own words says so with answerAs.
var domainAnswers = []domainAnswer{
	// The hub's trouble, worth a retry after Retry-After seconds.
	{err: ingest.ErrOverloaded, status: http.StatusServiceUnavailable, slug: "unavailable", retryAfter: 1,
		detail: "the hub is at capacity; retry shortly"},
	{err: ingest.ErrClosed, status: http.StatusServiceUnavailable, slug: "unavailable", retryAfter: 2,
		detail: "the hub is shutting down; retry against it or another hub"},
	{err: ingest.ErrStorage, status: http.StatusServiceUnavailable, slug: "unavailable", retryAfter: 5,
		detail: "storage did not commit the batch; nothing of it was kept; retry"},
	{err: ingest.ErrAbandoned, status: http.StatusServiceUnavailable, slug: "unavailable", retryAfter: 1,
		detail: "the request ended before its batch was committed; retry (the batch id makes it safe)"},
	{err: query.ErrBusy, status: http.StatusServiceUnavailable, slug: "unavailable", retryAfter: 1,
		detail: "too many metric queries are running; retry shortly"},

	{err: ingest.ErrUnstorable, status: http.StatusUnprocessableEntity, field: "batch",
		detail: "storage refused a value of this batch (text PostgreSQL cannot hold, or a value past its limits); sending it again fails the same way"},
	{err: ingest.ErrBatchMismatch, status: http.StatusUnprocessableEntity, field: "batch_id",
		detail: "this batch id was already stored with a different body; use a new batch id for new data"},

	{err: store.ErrKeyMismatch, status: http.StatusConflict, slug: "conflict",
		detail: "this machine is pinned to another signing key (reinstalled, or its agent state directory wiped?): an admin clears it with `monsys agent reset-key HOST` (POST /agents/:id/rotate-signing-key), or the request must be signed by the pinned key"},
	{err: store.ErrProofRequired, status: http.StatusConflict, slug: "conflict",
		detail: "this machine is already registered with a pinned key: re-register with its agent token or sign the request with the pinned key"},
	{err: store.ErrEnrollmentUsedUp, status: http.StatusUnauthorized, slug: "unauthorized",
		detail: "the enrollment token is used up"},
	{err: store.ErrOutranked, status: http.StatusForbidden, slug: "forbidden",
		detail: "this member's role is above yours"},
	{err: store.ErrLastOwner, status: http.StatusConflict, slug: "conflict",
		detail: "the tenant must keep at least one owner"},
	{err: store.ErrAlreadyMember, status: http.StatusConflict, slug: "conflict",
		detail: "this account already belongs to the tenant"},
	{err: store.ErrPasswordNeeded, status: http.StatusUnprocessableEntity, field: "password",
		detail: "choose a password for your new account (12 to 1024 characters)"},
	{err: store.ErrAlreadyResolved, status: http.StatusConflict, slug: "conflict",
		detail: "the alert is already resolved"},
	{err: vuln.ErrNotFound, status: http.StatusNotFound, slug: "not-found",
		detail: "no such CVE, record, exception or agent in this tenant"},
	{err: relay.ErrNotConnected, status: http.StatusConflict, slug: "agent-not-connected",
		detail: "the agent is not connected to this hub's push channel (is it running with --push, and can it reach the hub?)"},
	{err: console.ErrAgentLimit, status: http.StatusConflict, slug: "console-limit",
		detail: "the agent has its maximum of open console sessions; end one first"},
	{err: console.ErrHubLimit, status: http.StatusServiceUnavailable, slug: "console-limit", retryAfter: 60,
		detail: "this hub has its maximum of open console sessions; retry later"},
	{err: console.ErrBadTicket, status: http.StatusUnauthorized, slug: "unauthorized",
		detail: "the console ticket is wrong, used or expired; start a new session"},
	{err: console.ErrNotFound, status: http.StatusNotFound, slug: "not-found",
		detail: "no such console session or emergency grant in this tenant"},
	{err: console.ErrNotLive, status: http.StatusConflict, slug: "conflict",
		detail: "the session is not live on this hub: it has ended (see its state), or another hub of the cluster bridges it"},
	{err: store.ErrInvalidReference, status: http.StatusUnprocessableEntity, slug: "validation",
		detail: "a zone, node or agent the request names is not one of this tenant's"},
	{err: store.ErrNotFound, status: http.StatusNotFound, slug: "not-found",
		detail: "no such resource in this tenant"},
	{err: notify.ErrNotFound, status: http.StatusNotFound, slug: "not-found",
		detail: "no such notification channel in this tenant"},
	{err: store.ErrConflict, status: http.StatusConflict, slug: "conflict",
		detail: "the resource conflicts with an existing one"},
}

// problemFor is the problem err answers, or nil for an error the client
// cannot act on (a 500, logged by errorHandler).
func problemFor(err error) *Problem {
	var p *Problem
	var qe *query.Error
	var fe *fiber.Error
	var syn *ingest.SyntaxError
	var field *ingest.FieldError
	var fields ingest.FieldErrors
	var sig *ingest.SignatureError
	var channelFields notify.FieldErrors
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &qe):
		return queryProblem(qe)
	case errors.As(err, &fe):
		slug := fiberProblemSlugs[fe.Code]
		if slug == "" {
			slug = "http-error"
		}
		return newProblem(fe.Code, slug, fiberDetail(fe))

	// Ingest's refusals carry the words the client is told (ingest.Service.Accept).
	case errors.Is(err, ingest.ErrUnsupportedEncoding):
		return newProblem(http.StatusUnsupportedMediaType, "unsupported-encoding", err.Error())
	case errors.Is(err, ingest.ErrTooLarge):
		return newProblem(http.StatusRequestEntityTooLarge, "body-too-large", err.Error())
	case errors.Is(err, ingest.ErrCorrupt):
		return badRequest(err.Error())
	case errors.As(err, &sig):
		return unauthorized(sig.Error())
	case errors.As(err, &syn):
		return badRequest("the batch is not valid: " + syn.Error())
	case errors.As(err, &field):
		return invalid([]FieldError{{Field: field.Field, Message: field.Msg}})
	case errors.As(err, &channelFields):
		out := make([]FieldError, len(channelFields))
		for i, f := range channelFields {
			out[i] = FieldError{Field: f.Field, Message: f.Msg}
		}
		return invalid(out)
	case errors.As(err, &fields):
		out := make([]FieldError, len(fields))
		for i, f := range fields {
			out[i] = FieldError{Field: f.Field, Message: f.Msg}
		}
		return invalid(out)
	case store.Unstorable(err):
		// Input checks catch these first (checkRequestText, decodeJSON);
		// this is the net under them: the value is the client's fault.
		return badRequest("a value in the request cannot be stored: text with NUL (U+0000) or invalid UTF-8, a number out of range, or a value too large")
	}
	for _, a := range domainAnswers {
		if !errors.Is(err, a.err) {
			continue
		}
		if a.field != "" {
			return invalid([]FieldError{{Field: a.field, Message: a.detail}})
		}
		p := newProblem(a.status, a.slug, a.detail)
		p.RetryAfter = a.retryAfter
		return p
	}
	// The database down, full or read-only: the same request can succeed
	// later, so it is a 503 to retry, not a 500.
	if fault := tsdb.FaultOf(err); fault != "" {
		p := newProblem(http.StatusServiceUnavailable, "unavailable", string(fault)+"; retry later")
		p.RetryAfter = 5
		return p
	}
	return nil
}

// answerAs is how an endpoint answers one domain error in its own words
// (and, where the endpoint means something else by it, with its own
// status): p when err is target, otherwise err unchanged for
// errorHandler. A nil err stays nil.
func answerAs(err, target error, p *Problem) error {
	if errors.Is(err, target) {
		return p
	}
	return err
}
