package api

import (
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/monsys/monsys/tsdb"
)

// problemTypeBase prefixes every problem type; the docs page lists them.
const problemTypeBase = "https://monsys.dev/problems/"

// Problem is an RFC 9457 problem detail. Handlers return it as an error;
// errorHandler writes it.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	// RetryAfter, in seconds, is sent as the Retry-After header when > 0.
	RetryAfter int `json:"-"`
}

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

func newProblem(status int, slug, detail string) *Problem {
	return &Problem{Type: problemTypeBase + slug, Title: http.StatusText(status), Status: status, Detail: detail}
}

func badRequest(detail string) *Problem {
	return newProblem(http.StatusBadRequest, "bad-request", detail)
}
func unauthorized(detail string) *Problem {
	return newProblem(http.StatusUnauthorized, "unauthorized", detail)
}
func forbidden(detail string) *Problem { return newProblem(http.StatusForbidden, "forbidden", detail) }
func notFound(detail string) *Problem  { return newProblem(http.StatusNotFound, "not-found", detail) }
func conflict(detail string) *Problem  { return newProblem(http.StatusConflict, "conflict", detail) }

// invalid answers 422 with one entry per bad field.
func invalid(errs []FieldError) *Problem {
	p := newProblem(http.StatusUnprocessableEntity, "validation", "the request body has invalid fields")
	p.Errors = errs
	return p
}

// fiberProblems maps the framework's own errors (no route, wrong method,
// body over the limit) to problem types.
var fiberProblemSlugs = map[int]string{
	http.StatusNotFound:                    "not-found",
	http.StatusMethodNotAllowed:            "method-not-allowed",
	http.StatusRequestEntityTooLarge:       "body-too-large",
	http.StatusRequestTimeout:              "timeout",
	http.StatusBadRequest:                  "bad-request",
	http.StatusRequestHeaderFieldsTooLarge: "headers-too-large",
}

// errorHandler is the one place errors become HTTP answers: problemFor
// chooses the problem, and an error it does not know is a 500 whose cause
// goes to the log, never to the client.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	p := problemFor(err)
	if p == nil {
		s.log.ErrorContext(c.UserContext(), "request failed", "method", c.Method(), "path", c.Path(),
			"request_id", requestID(c), "err", err)
		p = newProblem(http.StatusInternalServerError, "internal", "the server could not complete the request; the request id is in its log")
	} else if p.Status == http.StatusServiceUnavailable && tsdb.FaultOf(err) != "" {
		s.log.WarnContext(c.UserContext(), "request refused: database unavailable", "method", c.Method(), "path", c.Path(),
			"request_id", requestID(c), "err", err)
	}
	out := *p
	out.Instance = c.OriginalURL()
	if len(out.Instance) > 512 {
		out.Instance = out.Instance[:512]
	}
	out.RequestID = requestID(c)
	if out.RequestID == "" {
		// The server refused the request before any middleware ran (body
		// over the server cap, malformed request): it still gets an id.
		out.RequestID = uuid.Must(uuid.NewV7()).String()
		c.Set(headerRequestID, out.RequestID)
	}
	if out.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, itoa(out.RetryAfter))
	}
	c.Status(out.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	body, merr := s.json(out)
	if merr != nil {
		return c.SendString(`{"title":"Internal Server Error","status":500}`)
	}
	return c.Send(body)
}

func fiberDetail(fe *fiber.Error) string {
	switch fe.Code {
	case http.StatusNotFound:
		return "no route matches this path"
	case http.StatusMethodNotAllowed:
		return "this path does not accept that method"
	case http.StatusRequestEntityTooLarge:
		return "the request body is larger than this route accepts"
	}
	return fe.Message
}

// logLevelFor keeps 4xx out of the error log.
func logLevelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
