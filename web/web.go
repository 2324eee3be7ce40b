package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
)

//go:embed templates
var templateFS embed.FS

// Config is what the pages need to know about the hub.
type Config struct {
	PublicURL string // shown in install commands and links
	Version   string // shown in the footer
	// Assets replaces the embedded bundle (tests); nil uses it.
	Assets fs.FS
}

// Handler serves the dashboard's pages and bundled assets. Safe for
// concurrent use; it holds nothing that changes after New.
type Handler struct {
	cfg    Config
	log    *slog.Logger
	assets *assets
	pages  map[string]*template.Template
	mux    *http.ServeMux
}

// New parses every template and loads the bundle. A hub built without the
// bundle still starts: its pages say how to build it, and log says so too.
func New(cfg Config, log *slog.Logger) (*Handler, error) {
	fsys := cfg.Assets
	if fsys == nil {
		sub, err := fs.Sub(dist, "dist")
		if err != nil {
			return nil, fmt.Errorf("open embedded assets: %w", err)
		}
		fsys = sub
	}
	a, err := loadAssets(fsys)
	if err != nil {
		return nil, err
	}
	if !a.built() {
		log.Warn("this hub was built without the dashboard's assets: run `make assets` (or `make build`) and build again")
	}
	h := &Handler{cfg: cfg, log: log.With("component", "web"), assets: a, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	for _, p := range append(pages, notFoundPage) {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/"+p.Name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", p.Name, err)
		}
		h.pages[p.Name] = t
	}
	for _, p := range pages {
		h.mux.HandleFunc("GET "+p.Pattern, h.page(p))
	}
	h.mux.HandleFunc("GET /assets/{name}", a.serve)
	h.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, a.url("favicon.svg"), http.StatusMovedPermanently)
	})
	h.mux.HandleFunc("GET /", h.page(notFoundPage))
	return h, nil
}

// notFoundPage answers every path no page claims, with status 404.
var notFoundPage = page{Name: "notfound", Title: "Not found", Chrome: true}

// ServeHTTP answers GET and HEAD requests for pages and assets.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// JavaScriptSize is the size in bytes of the bundle's script as sent to a
// browser that accepts gzip (the benchmark reports it against 150 KB).
func (h *Handler) JavaScriptSize() int { return h.assets.compressedSize("app.js") }

// view is what layout.html and the page templates draw with.
type view struct {
	page
	Built     bool
	Version   string
	PublicURL string
	AppJS     string
	AppCSS    string
	Favicon   string
	Nav       []navItem
}

func (h *Handler) page(p page) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := view{page: p, Built: h.assets.built(), Version: h.cfg.Version, PublicURL: h.cfg.PublicURL,
			AppJS: h.assets.url("app.js"), AppCSS: h.assets.url("app.css"), Favicon: h.assets.url("favicon.svg"), Nav: navigation}
		var buf bytes.Buffer
		if err := h.pages[p.Name].ExecuteTemplate(&buf, "layout", v); err != nil {
			h.log.Error("draw page", "page", p.Name, "err", err)
			http.Error(w, "cannot draw this page", http.StatusInternalServerError)
			return
		}
		setPageHeaders(w.Header(), p)
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		status := http.StatusOK
		if p.Name == notFoundPage.Name {
			status = http.StatusNotFound
		}
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(buf.Bytes()) // a client that went away needs no answer
		}
	}
}
