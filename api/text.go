package api

import (
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/monsys/monsys/textcheck"
)

// maxQueryValue bounds one query parameter: no route takes more (the
// longest are cursors and search terms), and a longer one is a mistake
// or an attack, refused before it reaches a handler or the database.
const maxQueryValue = 4096

// checkRequestText refuses path segments and query parameters that are
// not storable text (NUL, invalid UTF-8, once percent-decoded) or that are
// overlong, naming the parameter; bodies are checked by decodeJSON.
// PostgreSQL would refuse them with a data exception deep inside a
// handler.
func checkRequestText(c *fiber.Ctx) error {
	for _, name := range c.Route().Params {
		raw := c.Params(name)
		v, err := url.PathUnescape(raw)
		if err != nil {
			return badRequest(fmt.Sprintf("path segment :%s is not valid percent-encoding", name))
		}
		if p := textcheck.String(v); p != "" {
			return badRequest(fmt.Sprintf("path segment :%s %s", name, p))
		}
	}
	var bad error
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if bad != nil {
			return
		}
		if p := textcheck.Bytes(k); p != "" {
			bad = badRequest("a query parameter name " + string(p))
		} else if p := textcheck.Bytes(v); p != "" {
			bad = badRequest(fmt.Sprintf("query parameter %q %s", k, p))
		} else if len(v) > maxQueryValue {
			bad = badRequest(fmt.Sprintf("query parameter %q is longer than %d bytes", k, maxQueryValue))
		}
	})
	return bad
}

// maxBodyString bounds any one string of a JSON request body: the
// longest a person sends is a password (1024) or a URL; names, notes and
// selectors are far shorter, and each route's own rules are tighter still.
const maxBodyString = 16 << 10

// checkBodyText refuses a JSON body with a string that is not storable
// text or is longer than maxBodyString, naming the field.
func checkBodyText(body []byte) error {
	if err := textcheck.JSONMax(body, "", maxBodyString); err != nil {
		field := err.Path
		if field == "" {
			field = "body"
		}
		return invalid([]FieldError{{Field: field, Message: string(err.Problem)}})
	}
	return nil
}
