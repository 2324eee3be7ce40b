// Package diskspace watches the free space of the filesystem that holds
// the database's data, so the hub notices a filling disk before
// PostgreSQL refuses to write: a Watcher measures it (statfs) when asked,
// keeps the latest Usage for /api/v1/health, and exposes it in /metrics as
// monsys_storage_free_bytes and monsys_storage_size_bytes. Raising and
// resolving the alert is its caller's (cmd/monsys, through store).
//
// A Watcher is safe for concurrent use; it starts no goroutine.
package diskspace
