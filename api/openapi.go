package api

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"sync"

	"github.com/gofiber/fiber/v2"
)

var pathParam = regexp.MustCompile(`:([a-zA-Z_]+)`)

// openAPIPath turns a Fiber pattern into an OpenAPI path template.
func openAPIPath(p string) string { return pathParam.ReplaceAllString(p, "{$1}") }

// buildOpenAPI renders the route table as an OpenAPI 3.1 document.
func (s *Server) buildOpenAPI() map[string]any {
	ss := &schemaSet{components: map[string]any{}}
	ss.components["Problem"] = ss.object(reflect.TypeFor[Problem]())
	problem := map[string]any{"description": "RFC 9457 problem", "content": map[string]any{
		"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	paths := map[string]any{}
	for _, r := range s.routes {
		op := map[string]any{
			"summary":     r.Summary,
			"tags":        []string{r.Tag},
			"operationId": operationID(r),
			"responses":   map[string]any{"default": problem},
		}
		status := r.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if r.Reply != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": ss.of(reflect.TypeOf(r.Reply))}}
		}
		op["responses"].(map[string]any)[strconv.Itoa(status)] = ok
		if r.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": ss.of(reflect.TypeOf(r.Request))}}}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true,
				"schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description,
				"schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		op["security"] = securityFor(r)
		if r.Access == person || r.Access == signedIn {
			op["x-min-role"] = string(r.MinRole)
		}
		if r.Limit != nil {
			op["x-rate-limit"] = map[string]any{"policy": r.Limit.Policy.Name, "quota": r.Limit.Policy.Quota,
				"window_s": int(r.Limit.Policy.Window.Seconds()), "key": limitKeyName(r.Limit.Key)}
		}
		p := openAPIPath(r.Path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		item[lowerMethod(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "monsys API", "version": s.cfg.Version,
			"description": "Fleet telemetry and asset-intelligence hub. Errors are RFC 9457 problems; lists are {items, next_cursor}."},
		"servers": []any{map[string]any{"url": s.cfg.PublicURL}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": ss.components,
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": s.sessionCookieName(),
					"description": "Set by POST /api/v1/auth/login. State-changing requests also send X-CSRF-Token."},
				"apiKey":     map[string]any{"type": "http", "scheme": "bearer", "description": "API key msk_…"},
				"agentToken": map[string]any{"type": "http", "scheme": "bearer", "description": "Agent token msa_…"},
				"enrollmentToken": map[string]any{"type": "http", "scheme": "bearer",
					"description": "Enrollment token mse_… (or the agent's own token)"},
			},
		},
	}
}

func securityFor(r route) []any {
	switch r.Access {
	case person:
		return []any{map[string]any{"session": []string{}}, map[string]any{"apiKey": []string{}}}
	case signedIn:
		return []any{map[string]any{"session": []string{}}}
	case agentOnly, ownAgent:
		return []any{map[string]any{"agentToken": []string{}}}
	case enrollment:
		return []any{map[string]any{"enrollmentToken": []string{}}, map[string]any{"agentToken": []string{}}}
	case writer:
		return []any{map[string]any{"agentToken": []string{}}, map[string]any{"apiKey": []string{}}}
	}
	return []any{}
}

func operationID(r route) string {
	return lowerMethod(r.Method) + pathParam.ReplaceAllString(r.Path, "by_$1")
}

func lowerMethod(m string) string {
	b := []byte(m)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// openAPICache holds the document rendered once; the route table never changes
// after New.
type openAPICache struct {
	once sync.Once
	body []byte
	err  error
}

func (s *Server) openAPI(c *fiber.Ctx) error {
	s.spec.once.Do(func() { s.spec.body, s.spec.err = s.json(s.buildOpenAPI()) })
	if s.spec.err != nil {
		return s.spec.err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(s.spec.body)
}
