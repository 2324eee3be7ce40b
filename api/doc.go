// Package api is monsys's HTTP surface: the Fiber app, every route in one
// list (routes.go), one file per resource, the middleware chain, RFC 9457
// problem responses from one error handler, and the OpenAPI document that
// is generated from the same route list.
//
// Middleware order: recover → request id → access log and metrics →
// per-route authentication, role and access check → handler. A route's
// access level says who may call it, including "an agent, on its own
// :id" (ownAgent). A handler parses, validates, makes one domain call and
// responds. Values read from *fiber.Ctx are only valid during the
// handler; anything kept is copied (request ids, the reset queue's
// address and IP) or replaced by a constant (metric labels: methodLabel,
// the route pattern).
//
// # Input text
//
// guard refuses path segments and query parameters that are not storable
// text or are overlong (400), and decodeJSON refuses such strings in
// bodies (422 naming the field), before any handler runs: PostgreSQL
// refuses NUL and invalid UTF-8 deep inside a query. store.Unstorable is
// the net under them (400). TestHostileInputOverEveryRoute sends every
// route of the table hostile input as every kind of caller.
//
// # Errors
//
// Only this package imports Fiber. Errors become HTTP answers in one
// place: errorHandler (problem.go) writes the problem that problemFor
// (error_map.go) chooses. Facts with one answer on every route — ingest's
// 503s with Retry-After, store's sentinels, query's limits — are rows of
// domainAnswers; ingest's refusals carry the words the client is told.
// An endpoint that answers a domain error in its own words says so with
// answerAs(err, target, problem), which gives the error value that
// wording. A storage refusal of a value (store.Unstorable) is a 400.
// Anything else is a 500 whose cause goes to the log only.
// A handler may still branch on a domain outcome (an unknown account
// spends a password hash's time, like a wrong password).
//
// # Ingest
//
// POST /ingest and POST /write hand the body as sent to ingest.Service
// (its one front door) and answer its receipt; the handlers hold no step
// of the pipeline.
//
// # Pages
//
// Deps.Pages (package web, a net/http handler) is mounted after the route
// table for every GET and HEAD outside /api/ and /metrics (pages.go): the
// dashboard's frames and assets, which hold no data and check no
// credential; the browser reads everything through the table's routes.
package api
