package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// dist is the bundle `make assets` builds from web/ui. Only its README is
// committed, so the pattern compiles on a fresh checkout; without app.js
// the pages say how to build the bundle.
//
//go:embed dist
var dist embed.FS

// asset is one bundled file, held in memory as sent: its bytes, their gzip
// form, and a content hash that versions its URL.
type asset struct {
	body        []byte
	gzipped     []byte // nil when gzip does not make it smaller
	contentType string
	hash        string // first 12 hex digits of the SHA-256 of body
}

// assets are the bundle's files by name (app.js, app.css, favicon.svg).
// Built once by loadAssets and only read afterwards.
type assets struct {
	files map[string]*asset
}

// loadAssets reads every file of fsys (the embedded dist, or a folder in
// tests) and compresses it once.
func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".md") {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		f := &asset{body: body, hash: hex.EncodeToString(sum[:6]), contentType: mime.TypeByExtension(path.Ext(name))}
		if f.contentType == "" {
			f.contentType = "application/octet-stream"
		}
		if f.gzipped, err = gzipped(body); err != nil {
			return err
		}
		a.files[name] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load web assets: %w", err)
	}
	return a, nil
}

func gzipped(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() >= len(body) {
		return nil, nil
	}
	return buf.Bytes(), nil
}

// built reports whether the bundle is present (the hub was built after
// `make assets`).
func (a *assets) built() bool {
	return a.files["app.js"] != nil && a.files["app.css"] != nil
}

// url is the versioned address of a bundled file: a new build changes the
// query, so browsers may keep each version for a year.
func (a *assets) url(name string) string {
	if f := a.files[name]; f != nil {
		return "/assets/" + name + "?v=" + f.hash
	}
	return "/assets/" + name
}

// CompressedSize is the number of bytes a browser downloads for the named
// files when it accepts gzip; the benchmark reports it for app.js.
func (a *assets) compressedSize(names ...string) int {
	n := 0
	for _, name := range names {
		if f := a.files[name]; f != nil {
			if f.gzipped != nil {
				n += len(f.gzipped)
			} else {
				n += len(f.body)
			}
		}
	}
	return n
}

// serve answers GET /assets/{name}.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	f := a.files[r.PathValue("name")]
	if f == nil {
		http.Error(w, "no such asset", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+f.hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gzipped != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body) // a client that went away needs no answer
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && !strings.Contains(strings.ReplaceAll(q, " ", ""), "q=0") {
			return true
		}
	}
	return false
}
