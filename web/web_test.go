package web

import (
	"compress/gzip"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

var bundle = fstest.MapFS{
	"app.js":      {Data: []byte(strings.Repeat("console.log('monsys');\n", 200))},
	"app.css":     {Data: []byte("body{margin:0}")},
	"favicon.svg": {Data: []byte("<svg/>")},
}

func newTestHandler(t *testing.T, assets fs.FS) *Handler {
	t.Helper()
	h, err := New(Config{PublicURL: "https://hub.example", Version: "v-test", Assets: assets}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// Every page is a frame with a strict policy: only the hub's own script and
// style, never framed, no referrer (reset links carry tokens).
func TestPagesServeTheirFrameUnderAStrictPolicy(t *testing.T) {
	h := newTestHandler(t, bundle)
	paths := map[string]string{"/": "fleet", "/hosts/0190": "host", "/login": "login", "/reset-password?token=x": "reset",
		"/accept-invite?token=x": "invite", "/alerts": "alerts", "/alert-rules": "rules", "/inventory": "inventory",
		"/webhooks": "webhooks", "/settings/people": "people", "/settings/api-keys": "apikeys", "/settings/enrollment": "enrollment",
		"/audit": "audit", "/account": "account", "/forgot-password": "forgot", "/topology": "topology"}
	for path, name := range paths {
		w := get(h, path)
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, `data-page="`+name+`"`) {
			t.Errorf("GET %s = %d without data-page=%q", path, w.Code, name)
		}
		csp := w.Header().Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %s", path, csp, want)
			}
		}
		script, _, _ := strings.Cut(csp[strings.Index(csp, "script-src"):], ";")
		if name != "topology" && strings.Contains(csp, "unsafe") || strings.Contains(script, "unsafe") {
			t.Errorf("GET %s: CSP %q allows more than the bundle", path, csp) // the topology page may inline style (Mermaid), never script
		}
		if w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: headers %v", path, w.Header())
		}
		if !strings.Contains(body, `src="/assets/app.js?v=`) || strings.Contains(body, "make assets") {
			t.Errorf("GET %s does not load the versioned bundle", path)
		}
	}
	if w := get(h, "/no/such/page"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Nothing here") {
		t.Errorf("unknown page = %d", w.Code)
	}
}

// The policy forbids inline script, inline style and event attributes:
// the templates must not need them (a page would break silently).
func TestTemplatesHaveNoInlineScriptOrStyle(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|<style|\sstyle=|\son[a-z]+=|(?:href|src|action)="javascript:`)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(files) < len(pages) {
		t.Fatalf("templates: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		b, err := fs.ReadFile(templateFS, f)
		if err != nil {
			t.Fatal(err)
		}
		if m := inline.Find(b); m != nil {
			t.Errorf("%s has %q, which the Content-Security-Policy blocks", f, m)
		}
	}
}

// Assets are cached for a year under their content hash, sent gzipped to
// browsers that take it, and revalidated by ETag otherwise.
func TestAssetsAreVersionedAndCompressed(t *testing.T) {
	h := newTestHandler(t, bundle)
	url := h.assets.url("app.js")
	w := get(h, url, "Accept-Encoding", "gzip, br")
	if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET %s = %d %v", url, w.Code, w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || string(plain) != string(bundle["app.js"].Data) {
		t.Errorf("gunzipped body differs from the bundle (%v)", err)
	}
	if h.JavaScriptSize() != w.Body.Len() && h.JavaScriptSize() >= len(bundle["app.js"].Data) {
		t.Errorf("JavaScriptSize = %d, want the gzipped size", h.JavaScriptSize())
	}
	w = get(h, "/assets/app.js", "Accept-Encoding", "identity")
	if w.Header().Get("Content-Encoding") != "" || w.Header().Get("Cache-Control") != "no-cache" || w.Body.Len() != len(bundle["app.js"].Data) {
		t.Errorf("unversioned, identity: %v, %d bytes", w.Header(), w.Body.Len())
	}
	if w2 := get(h, "/assets/app.js", "If-None-Match", w.Header().Get("ETag")); w2.Code != http.StatusNotModified {
		t.Errorf("revalidation = %d, want 304", w2.Code)
	}
	if w := get(h, "/assets/nope.js"); w.Code != http.StatusNotFound {
		t.Errorf("missing asset = %d", w.Code)
	}
}

// A hub built without `make assets` still serves its pages, saying how to
// get the bundle.
func TestUnbuiltHubSaysHowToBuildTheAssets(t *testing.T) {
	h := newTestHandler(t, fstest.MapFS{"README.md": {Data: []byte("placeholder")}})
	w := get(h, "/login")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "make assets") || strings.Contains(w.Body.String(), "app.js") {
		t.Errorf("unbuilt /login = %d:\n%s", w.Code, w.Body.String())
	}
}

// The embedded folder compiles on a fresh checkout (only its README).
func TestEmbeddedBundleLoads(t *testing.T) {
	h := newTestHandler(t, nil)
	if h.assets == nil {
		t.Fatal("no assets")
	}
}
