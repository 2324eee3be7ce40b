// Package console runs the agent's side of the emergency console: a real
// PTY with the console user's login shell in its own session and process
// group, bridged to a WebSocket the agent opens to the hub for that one
// session (agent token plus the session's one-time ticket).
//
// The agent decides for itself whether a console may open (Mode): off
// never, on always, emergency only inside an emergency grant signed by the
// hub key the agent pinned at registration (grants.go), so a database edit
// on the hub alone cannot open a shell. The agent also enforces the idle
// timeout and the maximum duration, kills the shell's whole session (its process
// group and every background job's group) when the session ends for any
// reason, and reports the shell's exit status as the
// last control message.
package console
