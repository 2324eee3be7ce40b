// Package sender delivers spooled batches to the hub's ingest route,
// oldest first, signing each attempt with the agent's Ed25519 key at the
// moment it is sent (the hub refuses timestamps more than 300 s off, and a
// batch may wait in the spool for hours).
//
// What it does with each answer follows DESIGN.md §4 and RELIABILITY R7:
// 2xx removes the batch; 429, 5xx, timeouts and network errors keep it and
// retry with jittered exponential backoff from 1 s up to 60 s, or after
// the Retry-After the hub sent (capped at 10 minutes); any other 4xx is
// logged and the batch dropped, because sending it again cannot succeed.
// Every retry of a batch carries the same batch id: the hub stores it once.
//
// Run is owned by one goroutine; Stats may be read from any.
package sender
