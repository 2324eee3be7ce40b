// Package bench is monsys-bench: the load benchmark that says how many
// agents a hub holds on given hardware, with ratios measured in one run.
//
// Scenarios, one file each:
//   - ingest (ingest.go): simulated agents (simagent.go, hostmetrics.go),
//     each enrolled through the API with its own Ed25519 key, send signed
//     zstd batches in the real wire format to a real hub process
//     (hub.go), open-loop at a target rate or closed-loop; latency is
//     measured from each batch's scheduled send time, so a slow hub
//     cannot hide its queueing (no coordinated omission).
//   - ceiling (ceiling.go): the same number of rows for the same series
//     written straight into samples by binary COPY over as many
//     connections as the hub has flushers, against the same database on
//     the same machine: the physical limit the hub is measured against.
//   - query (query.go): a fleet loaded straight into storage (bench/load),
//     rollups caught up, the dashboard's queries timed from the rollups
//     and from raw samples.
//   - victoriametrics (victoria.go): the same samples to a VictoriaMetrics
//     single node's import API, for a ratio on the same machine.
//   - web (web.go): the dashboard against a real hub holding a fleet and a
//     long host loaded straight into storage (bench/load): the fleet page's
//     requests timed from a client on loopback, then headless Chromium
//     (browser.go, shared with the browser tests) for the first paint, the
//     fleet's rows and a host's 30-day charts, and the bundle's size.
//
// The hub's CPU is read from /proc (procstat.go): utime+stime of the hub
// process and of its PostgreSQL (the postmaster and its backends, plus the
// backends that exited), sampled at the start and the end of the timed
// phase. Results go to bench/results as JSON and a markdown table
// (report.go).
//
// Nothing here keeps package state; every goroutine started by a scenario
// is waited for before it returns.
package bench
