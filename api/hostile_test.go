package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
)

// hostileCase is one request a clumsy client or an attacker might send
// in place of a route's good request.
type hostileCase struct {
	what string
	path string
	body any // nil, or raw JSON bytes
}

// Hostile values. Each must be refused with a problem wherever it lands.
var (
	hostilePathValues = []string{"%00", "a%00b", "%ff", "%ed%a0%80", "..", "..%2f..%2fetc%2fpasswd",
		"%2e%2e%2f%2e%2e%2fetc%2fpasswd", strings.Repeat("a", 5000)}
	hostileQueryValues = []string{"%00", "a%00b", "%ff%fe", "%ed%a0%80", strings.Repeat("q", maxQueryValue+1)}
	hostileStrings     = []struct{ what, json string }{
		{"NUL", `"a\u0000b"`},
		{"invalid UTF-8", "\"a\xff\xfeb\""},
		{"lone surrogate", `"a\ud800b"`},
		{"overlong string", `"` + strings.Repeat("x", maxBodyString+1) + `"`},
		{"huge number", `1e400`},
		{"huge negative number", `-1e400`},
	}
	hostileBodies = []struct{ what, json string }{
		{"array body", `[]`},
		{"string body", `"x"`},
		{"truncated body", `{"a":`},
		{"two values", `{}{}`},
		{"NUL key", `{"\u0000":1}`},
		{"deep nesting", strings.Repeat("[", 20000) + strings.Repeat("]", 20000)},
	}
)

// hostileCases derives the hostile requests for route r from its good
// request tgt: each path parameter, each declared query parameter (and
// one undeclared), and each field of the JSON body in turn.
func hostileCases(r route, tgt target) []hostileCase {
	var out []hostileCase
	path, query, _ := strings.Cut(tgt.path, "?")
	sep := "?"
	if query != "" {
		sep = "?" + query + "&"
	}
	patSegs, pathSegs := strings.Split(r.Path, "/"), strings.Split(path, "/")
	for i, seg := range patSegs {
		if !strings.HasPrefix(seg, ":") || i >= len(pathSegs) {
			continue
		}
		for _, v := range hostilePathValues {
			segs := append([]string(nil), pathSegs...)
			segs[i] = v
			out = append(out, hostileCase{what: fmt.Sprintf("path %s=%.20s", seg, v), path: strings.Join(segs, "/") + queryOf(query), body: tgt.body})
		}
	}
	params := []string{"undeclared"}
	for _, q := range r.Query {
		params = append(params, q.Name)
	}
	for _, name := range params {
		for _, v := range hostileQueryValues {
			out = append(out, hostileCase{what: fmt.Sprintf("query %s=%.20s", name, v), path: path + sep + name + "=" + v, body: tgt.body})
		}
	}
	if r.Request == nil || isRaw(tgt.body) {
		return out
	}
	base := map[string]json.RawMessage{}
	if tgt.body != nil {
		b, _ := json.Marshal(tgt.body)
		_ = json.Unmarshal(b, &base) // a good body is an object
	}
	for _, field := range bodyFields(r.Request, base) {
		for _, h := range append(hostileStrings, struct{ what, json string }{"wrong type", wrongType(r.Request, field)}) {
			out = append(out, hostileCase{what: "body " + field + ": " + h.what, path: tgt.path, body: withField(base, field, h.json)})
		}
	}
	for _, h := range hostileBodies {
		out = append(out, hostileCase{what: h.what, path: tgt.path, body: []byte(h.json)})
	}
	return out
}

func queryOf(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

func isRaw(body any) bool { _, ok := body.([]byte); return ok }

// bodyFields are the JSON names of the request type's fields and of the
// good body's members.
func bodyFields(req any, base map[string]json.RawMessage) []string {
	seen := map[string]bool{}
	for k := range base {
		seen[k] = true
	}
	t := reflect.TypeOf(req)
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			seen[name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// wrongType is a JSON value of another type than the field's.
func wrongType(req any, field string) string {
	t := reflect.TypeOf(req)
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != field {
			continue
		}
		ft := t.Field(i).Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String:
			return `12345`
		case reflect.Slice, reflect.Array:
			return `{"a":1}`
		case reflect.Struct, reflect.Map:
			return `[1,"x",null]`
		default:
			return `"x"`
		}
	}
	return `{"a":[1]}`
}

func withField(base map[string]json.RawMessage, field, value string) []byte {
	out := []byte{'{'}
	keys := make([]string, 0, len(base))
	for k := range base {
		if k != field {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = fmt.Appendf(out, "%q:%s,", k, base[k])
	}
	out = fmt.Appendf(out, "%q:%s}", field, value)
	return out
}

// TestHostileInputOverEveryRoute sends every route of the route table, as
// every kind of caller (anonymous, each role by session and API key,
// another tenant's owner, an agent, an enrollment token), NUL, invalid
// UTF-8, lone surrogates and overlong strings in each path parameter,
// query parameter and body field, wrong JSON types, huge numbers, broken
// bodies and path traversal in ids. Every answer must be a 4xx problem
// document: any 5xx, any success, any other body fails. Built from
// routeTable and authzRows, so a new route is covered when it gets its
// authorization row.
func TestHostileInputOverEveryRoute(t *testing.T) {
	// Not parallel: its thousands of requests would slow the fixed-window
	// rate-limit tests running beside it past their windows.
	e := newEnv(t, func(c *Config) { c.IngestBatchesPerMinute = 1 << 30 })
	a, b := e.newTenant("alpha"), e.newTenant("beta")
	standing := map[uuid.UUID]testAgent{
		a.Tenant.ID: e.agent(a.Tenant.ID, "standing-a"),
		b.Tenant.ID: e.agent(b.Tenant.ID, "standing-b"),
	}
	specs := matrixCallers(a, b)
	var tries, serverErrors, accepted atomic.Int64
	routes := append([]route(nil), e.srv.routes...)
	sort.Slice(routes, func(i, j int) bool { return routeKey(routes[i]) < routeKey(routes[j]) })
	for _, r := range routes {
		row, ok := authzRows[routeKey(r)]
		if !ok {
			t.Errorf("route %s has no row in authzRows (TestAuthorizationMatrix says what to add)", routeKey(r))
			continue
		}
		t.Run(strings.ReplaceAll(routeKey(r), "/", "_"), func(t *testing.T) {
			e := e.with(t)
			for _, spec := range specs {
				c := spec.make(e)
				for _, h := range hostileCases(r, row.build(e, c, standing)) {
					got := e.do(r.Method, h.path, c.cred, h.body)
					tries.Add(1)
					switch {
					case got.Status >= 500:
						serverErrors.Add(1)
						t.Errorf("%s, %s: %d; body: %.300s", spec.name, h.what, got.Status, got.Body)
					case got.Status < 400:
						accepted.Add(1)
						t.Errorf("%s, %s: accepted with %d; body: %.200s", spec.name, h.what, got.Status, got.Body)
					default:
						checkProblem(t, spec.name+", "+h.what, got)
					}
				}
			}
		})
	}
	t.Cleanup(func() {
		t.Logf("hostile input: %d tries over %d routes, %d answered 5xx, %d accepted", tries.Load(), len(routes), serverErrors.Load(), accepted.Load())
	})
}

// checkProblem fails unless got is an RFC 9457 document whose status is
// the answer's.
func checkProblem(t *testing.T, what string, got reply) {
	t.Helper()
	if ct := got.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: %d with Content-Type %q, want a problem; body: %.200s", what, got.Status, ct, got.Body)
		return
	}
	var p problemReply
	if err := json.Unmarshal(got.Body, &p); err != nil || p.Status != got.Status || p.Type == "" || p.Title == "" {
		t.Errorf("%s: %d answered %.300s, not a problem of that status", what, got.Status, got.Body)
	}
	if got.Status == http.StatusTooManyRequests && got.Header.Get("Retry-After") == "" {
		t.Errorf("%s: 429 without Retry-After", what)
	}
}
