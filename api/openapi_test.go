package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

type openAPIOp struct {
	OperationID string                     `json:"operationId"`
	Responses   map[string]json.RawMessage `json:"responses"`
	Security    []map[string][]string      `json:"security"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
}

func TestOpenAPIDocumentCoversEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("GET", "/api/v1/openapi.json", cred{}, nil)
	r.want(t, http.StatusOK, nil)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != e.base {
		t.Errorf("servers %+v, want the public URL %s", doc.Servers, e.base)
	}

	// The route table is what the app really serves, no more, no less.
	table := map[string]bool{}
	for _, rt := range e.srv.routes {
		table[rt.Method+" "+rt.Path] = true
	}
	served := map[string]bool{}
	for _, rt := range e.srv.app.GetRoutes(true) {
		if rt.Method == "HEAD" {
			if !table["GET "+rt.Path] {
				t.Errorf("HEAD %s is served without its GET", rt.Path)
			}
			continue // every GET answers HEAD too
		}
		served[rt.Method+" "+rt.Path] = true
	}
	if got, want := sortedKeys(served), sortedKeys(table); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the app serves\n%s\nbut the route table lists\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Every served route is documented with its method, and nothing else is.
	documented := map[string]bool{}
	opIDs := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			documented[strings.ToUpper(method)+" "+path] = true
			if op.OperationID == "" || opIDs[op.OperationID] {
				t.Errorf("%s %s: operationId %q is empty or not unique", method, path, op.OperationID)
			}
			opIDs[op.OperationID] = true
			if len(op.Responses) == 0 {
				t.Errorf("%s %s documents no responses", method, path)
			}
			for _, req := range op.Security {
				for scheme := range req {
					if doc.Components.SecuritySchemes[scheme] == nil {
						t.Errorf("%s %s: security scheme %q is not defined", method, path, scheme)
					}
				}
			}
			for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
				found := false
				for _, p := range op.Parameters {
					found = found || (p.In == "path" && p.Name == m[1])
				}
				if !found {
					t.Errorf("%s %s: path parameter %s is not declared", method, path, m[1])
				}
			}
		}
	}
	for k := range served {
		method, path, _ := strings.Cut(k, " ")
		if !documented[method+" "+openAPIPath(path)] {
			t.Errorf("%s is served but not in openapi.json", k)
		}
		delete(documented, method+" "+openAPIPath(path))
	}
	for k := range documented {
		t.Errorf("openapi.json documents %s, which is not served", k)
	}
	for _, op := range []string{"get", "delete"} {
		if _, ok := doc.Paths["/api/v1/agents/{id}"][op]; !ok {
			t.Errorf("/api/v1/agents/{id} lacks %s: path templates must use {id}", op)
		}
	}

	// Every $ref points at a schema that exists.
	var raw any
	if err := json.Unmarshal(r.Body, &raw); err != nil {
		t.Fatal(err)
	}
	refs := 0
	walkRefs(raw, func(ref string) {
		refs++
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok {
			t.Errorf("$ref %q is not a components schema", ref)
			return
		}
		s, ok := doc.Components.Schemas[name]
		if !ok || string(s) == "null" {
			t.Errorf("$ref %q does not resolve", ref)
		}
	})
	if refs == 0 {
		t.Error("the document has no $ref at all: schemas are not generated")
	}
	for name, s := range doc.Components.Schemas {
		var obj map[string]any
		if err := json.Unmarshal(s, &obj); err != nil || obj["type"] != "object" {
			t.Errorf("components.schemas.%s = %s, want an object schema", name, s)
		}
	}
}

func walkRefs(v any, fn func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if s, ok := child.(string); ok && k == "$ref" {
				fn(s)
				continue
			}
			walkRefs(child, fn)
		}
	case []any:
		for _, child := range x {
			walkRefs(child, fn)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestDocsPageWorksOffline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("GET", "/api/v1/docs", cred{}, nil)
	r.want(t, http.StatusOK, nil)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want text/html", ct)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q, want default-src 'self'", csp)
	}
	body := strings.ToLower(string(r.Body))
	if m := regexp.MustCompile(`https?://|(src|href)\s*=\s*["']?//|url\(\s*["']?//|@import`).FindString(body); m != "" {
		t.Errorf("the docs page references something outside the hub: %q", m)
	}
	if !strings.Contains(body, "openapi.json") {
		t.Error("the docs page does not load openapi.json")
	}
}
