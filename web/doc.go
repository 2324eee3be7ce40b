// Package web is the dashboard the hub serves at /: page frames drawn with
// html/template, and one front-end bundle (web/ui, esbuild: plain modules
// and uPlot) embedded from web/dist.
//
// # One data path: the browser reads /api/v1
//
// Pages hold no data and run no query. Each page is a frame (headings,
// labelled forms, empty tables) whose script module, named by data-page on
// <body>, reads and changes everything through /api/v1 with the person's
// session cookie, sending the session's CSRF token (GET /api/v1/auth/session)
// on every state change. That choice, rather than page handlers calling the
// domain services, is deliberate: the rules live in the API — the route
// table's role per route, tenant scoping, validation, rate limits and audit
// rows are applied by api's guard and handlers, not by the store — so a
// page handler calling store would be a second path that must repeat them.
// Through the API a viewer's browser is refused exactly what a viewer's
// curl is; the page only hides the controls it would be refused
// (body[data-role] and the .need-member / .need-admin classes). The API
// grew three routes for the pages, all in its route table: GET
// /auth/session, GET /fleet (package fleet) and POST /auth/change-password.
//
// The package imports no domain package and no Fiber: it is a net/http
// handler that api mounts for every GET outside /api/ (api/pages.go), so it
// can be tested alone and nothing here can reach the database.
//
// # Security
//
// Every page carries a Content-Security-Policy that allows only the hub's
// own script, style and images (plus data: images for the TOTP QR code): no
// inline script or style, no eval, frame-ancestors 'none', and
// Referrer-Policy no-referrer (reset and invitation links carry tokens;
// their pages also drop the token from the address bar). Templates are
// checked for inline script, style and event attributes by a test, and the
// browser tests fail on any CSP violation.
//
// # Assets
//
// `make assets` runs `npm ci` in web/ui (versions pinned by its
// package-lock.json) and node build.mjs, which bundles src/main.js with
// esbuild into web/dist/app.js and app.css. Only web/dist/README.md is
// committed, so the embed pattern compiles on a fresh checkout and no
// third-party code is in the repository; a hub built without the bundle
// serves its pages with a banner saying to run `make assets`, and logs it.
// Assets are loaded into memory once, gzipped once, and served with their
// content hash in the URL (cached for a year) and an ETag.
//
// # Adding a page
//
// Add a row to pages (pages.go), a template templates/<name>.html defining
// "content", a module ui/src/pages/<name>.js exporting start(session), and
// its import in ui/src/main.js; add a link to navigation if it belongs in
// the bar. Data the page needs that the API lacks is a new route in
// api/routes.go, with its authorization-test row.
//
// A Handler holds nothing that changes after New and is safe for
// concurrent use.
package web
