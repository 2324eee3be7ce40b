// Package api is monsys's HTTP surface: the Fiber app, every route in one
// list (routes.go), one file per resource, the middleware chain, RFC 9457
// problem responses from one error handler, and the OpenAPI document that
// is generated from the same route list.
//
// Middleware order: recover → request id → access log and metrics →
// per-route authentication and role check → handler. A handler parses,
// validates, makes one domain call and responds. Values read from
// *fiber.Ctx are only valid during the handler; anything kept is copied.
//
// Only this package imports Fiber. It turns domain errors into HTTP in
// errorHandler and nowhere else.
//
// Deps.Pages (package web, a net/http handler) is mounted after the route
// table for every GET and HEAD outside /api/ and /metrics (pages.go): the
// dashboard's frames and assets, which hold no data and check no
// credential; the browser reads everything through the table's routes.
package api
