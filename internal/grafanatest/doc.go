// Package grafanatest turns the SQL of Grafana dashboards into the SQL that
// Grafana's PostgreSQL datasource sends to the server, so tests can run
// every provisioned panel against a real database and a broken panel fails
// CI instead of a dashboard.
//
// Grafana rewrites a panel's rawSql in three passes, and Expand follows
// them in order:
//
//  1. The browser replaces template variables ($var, ${var}, ${var:fmt},
//     [[var]]) and the built-ins $__interval, $__interval_ms, $__from,
//     $__to and $__range*, formatting values as the SQL datasources do:
//     a single value is inserted with ' doubled, a multi-value or
//     include-all variable becomes 'a','b' (variables.go).
//  2. The server's sqleng.Interpolate replaces $__interval_ms,
//     $__interval, $__unixEpochFrom() and $__unixEpochTo() (macros.go).
//  3. The PostgreSQL macro engine replaces $__name(args) calls:
//     $__timeFilter, $__timeFrom, $__timeTo, $__timeGroup[Alias],
//     $__time, $__timeEpoch, $__unixEpoch* (macros.go), with
//     $__timeGroup as time_bucket('Ns', col) when the datasource's
//     TimescaleDB option is on and as floor(extract(epoch …)) otherwise.
//
// The rules were read from grafana/grafana (pkg/tsdb/grafana-postgresql-
// datasource/macros.go and sqleng/sql_engine.go, the SQL datasource's
// interpolateVariable, the variable format registry) and
// grafana-plugin-sdk-go (gtime.ParseInterval, gtime.FormatInterval); the
// tests pin the exact strings Grafana's own tests expect. Unlike Grafana,
// Expand fails on an unknown variable or macro instead of passing it on, so
// the test names the mistake.
//
// Dashboards (dashboard.go) lists every query of a dashboard JSON: panel
// targets (nested rows included), query variables and annotations.
//
// Everything here is pure and safe for concurrent use.
package grafanatest
