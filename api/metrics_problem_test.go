package api

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/query"
)

// TestQueryErrorsBecomeProblems pins the one mapping of the query
// package's errors to HTTP: bad and oversized queries are 400 naming the
// parameter, a full house of queries is 503 with Retry-After.
func TestQueryErrorsBecomeProblems(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	app := fiber.New(fiber.Config{ErrorHandler: s.errorHandler, DisableStartupMessage: true})
	cases := []struct {
		err    error
		status int
		typ    string
		field  string
	}{
		{&query.Error{Param: "interval", Message: "bad"}, 400, "invalid-query", "interval"},
		{fmt.Errorf("plan: %w", &query.Error{Param: "from", Message: "too far", TooLarge: true}), 400, "query-too-large", "from"},
		{query.ErrBusy, 503, "unavailable", ""},
	}
	for i, c := range cases {
		path := fmt.Sprintf("/%d", i)
		app.Get(path, func(*fiber.Ctx) error { return c.err })
		resp, err := app.Test(httptest.NewRequest("GET", path, nil))
		if err != nil {
			t.Fatal(err)
		}
		var p problemReply
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != c.status || p.Type != problemTypeBase+c.typ || (c.field != "" && !p.hasFieldError(c.field)) {
			t.Errorf("%v: %d %+v, want %d %s naming %q", c.err, resp.StatusCode, p, c.status, c.typ, c.field)
		}
		if c.status == 503 && resp.Header.Get("Retry-After") == "" {
			t.Errorf("%v: 503 without Retry-After", c.err)
		}
	}
}
