// Package agent is the monsys agent: it enrolls with the hub, collects
// host metrics every interval and inventory on start, hourly and on change,
// and sends one signed, zstd-compressed batch per interval through an
// on-disk spool, while it keeps a push WebSocket to the hub open.
//
// The work is split by concern into sub-packages: enroll (identity and
// registration), collect (host metrics and top processes), inventory (what
// is installed and configured), spool (batches on disk), sender (delivery
// with retry rules) and push (the WebSocket client). This package holds
// the configuration and wires them: Agent.Run owns every goroutine it
// starts and returns only after they have stopped.
//
// The agent imports wire and its own packages from this module, never
// the hub's: no pgx, no Fiber (cmd/monsys-agent has a test that proves it).
package agent
