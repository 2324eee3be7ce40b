package web

import "net/http"

// contentSecurityPolicy allows only the hub's own bundle: no inline script
// or style, no eval, no other origin. data: images are the TOTP QR code the
// API answers as a PNG data URL.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// terminalSecurityPolicy is the policy of the two console pages: xterm.js
// and asciinema-player write their own <style> elements (style-src
// 'unsafe-inline') and the player's terminal emulator is WebAssembly
// ('wasm-unsafe-eval', which allows compiling WebAssembly and nothing like
// eval). Scripts still come only from the hub's bundle.
const terminalSecurityPolicy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// inlineStylePolicy is contentSecurityPolicy with inline style allowed,
// for pages that draw Mermaid diagrams (page.InlineStyle): Mermaid writes
// a <style> element and style attributes into the SVG it lays out in the
// document. Script stays the bundle's alone; the diagrams' labels are
// escaped by the hub and rendered in Mermaid's strict mode.
const inlineStylePolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// setPageHeaders marks a page as never framed, never sniffed and never
// leaking its URL (reset and invitation links carry tokens) to another site.
func setPageHeaders(h http.Header, p page) {
	switch {
	case p.Terminal:
		h.Set("Content-Security-Policy", terminalSecurityPolicy)
	case p.InlineStyle:
		h.Set("Content-Security-Policy", inlineStylePolicy)
	default:
		h.Set("Content-Security-Policy", contentSecurityPolicy)
	}
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	// Pages hold no data (the browser fetches it from /api/v1), but a new
	// hub version must reach the browser at once.
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", "text/html; charset=utf-8")
}
