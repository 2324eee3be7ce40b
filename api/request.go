package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// rawBody is the body exactly as sent. Fiber's c.Body() inflates gzip,
// deflate and brotli bodies by itself, without any limit: a 1 MiB gzip
// bomb becomes 1 GiB in memory before a handler sees it. No route uses it.
func rawBody(c *fiber.Ctx) []byte { return c.Request().Body() }

// decodeJSON reads the request body into v. strict refuses unknown fields
// (dashboard routes); agent routes are lenient so newer agents can talk to
// older hubs.
func (s *Server) decodeJSON(c *fiber.Ctx, v any, strict bool) error {
	ct := c.Get(fiber.HeaderContentType)
	if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), fiber.MIMEApplicationJSON) {
		return newProblem(fiber.StatusUnsupportedMediaType, "unsupported-media-type", "send the body as Content-Type: application/json")
	}
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return newProblem(fiber.StatusUnsupportedMediaType, "unsupported-encoding", "this route takes an uncompressed body (no Content-Encoding)")
	}
	body := rawBody(c)
	if len(body) > s.cfg.BodyLimit {
		return newProblem(fiber.StatusRequestEntityTooLarge, "body-too-large",
			fmt.Sprintf("the body is %d bytes; this route accepts at most %d", len(body), s.cfg.BodyLimit))
	}
	if err := checkBodyText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return badRequest(describeJSONError(err))
	}
	if dec.More() {
		return badRequest("the body holds more than one JSON value")
	}
	return nil
}

// decodeOptionalJSON is decodeJSON (strict) for routes whose body may be
// left out: an empty body leaves v as it is.
func (s *Server) decodeOptionalJSON(c *fiber.Ctx, v any) error {
	if len(rawBody(c)) == 0 {
		return nil
	}
	return s.decodeJSON(c, v, true)
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty; send a JSON object"
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s, not %s", typ.Field, typ.Type.String(), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ") + " (not part of this request)"
	}
	return "invalid JSON: " + err.Error()
}

// pathID parses the :id segment; a malformed id cannot name anything, so it
// answers 404 like an id of another tenant.
func pathID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		return uuid.UUID{}, notFound("no such " + strings.TrimSuffix(name, "_id") + " in this tenant")
	}
	return id, nil
}

// page is the shape of every list answer.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// newPage converts one page of rows. A full page gets a next_cursor made
// from its last row's position; a short page is the last.
func newPage[T, R any](rows []T, limit int, conv func(T) R, position func(T) any) page[R] {
	out := page[R]{Items: make([]R, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, conv(r))
	}
	if len(rows) == limit && len(rows) > 0 {
		out.NextCursor = encodeCursor(position(rows[len(rows)-1]))
	}
	return out
}

const (
	defaultPageSize = 50
	maxPageSize     = 500
)

// pageLimit reads ?limit=, answering 400 outside 1..500.
func pageLimit(c *fiber.Ctx) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, badRequest(fmt.Sprintf("limit must be a whole number from 1 to %d", maxPageSize))
	}
	return n, nil
}

// encodeCursor and decodeCursor make opaque page positions from any
// JSON-encodable value.
func encodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(raw string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || json.Unmarshal(b, v) != nil {
		return badRequest("cursor is not one this server issued; use next_cursor from the previous page")
	}
	return nil
}

// idPage reads ?limit= and ?cursor= of a list ordered by id.
func idPage(c *fiber.Ctx) (int, *uuid.UUID, error) {
	limit, err := pageLimit(c)
	if err != nil {
		return 0, nil, err
	}
	after, err := idCursor(c)
	return limit, after, err
}

// idCursor reads ?cursor= for lists ordered by id.
func idCursor(c *fiber.Ctx) (*uuid.UUID, error) {
	raw := c.Query("cursor")
	if raw == "" {
		return nil, nil
	}
	var id uuid.UUID
	if err := decodeCursor(raw, &id); err != nil {
		return nil, err
	}
	return &id, nil
}

// utc renders stored times in UTC, as the API promises.
func utc(t time.Time) time.Time { return t.UTC() }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// checkFuture adds a field error when an optional time is not in the future.
func checkFuture(field string, t *time.Time, errs []FieldError) []FieldError {
	if t != nil && !t.After(time.Now()) {
		errs = append(errs, FieldError{Field: field, Message: "must be in the future"})
	}
	return errs
}
