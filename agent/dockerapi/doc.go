// Package dockerapi lists containers from the Docker Engine API over its
// Unix socket (GET /containers/json), with plain net/http and a Unix
// dialer: no Docker client library. The agent's container inventory and
// its container metrics both read it.
package dockerapi
