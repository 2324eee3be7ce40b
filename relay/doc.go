// Package relay is the hub's registry of agents connected on the push
// WebSocket (GET /api/v1/ws/agents/:id). Features that must reach an agent
// (config updates now; console and emergency later) call Push or Request
// with the agent's id; the api package attaches and detaches connections.
//
// The registry is bounded (MaxAgents connections; one per agent, a new
// connection replaces the old) and so is each connection's outgoing queue:
// Push fails fast with ErrBusy instead of blocking when an agent does not
// keep up, and with ErrNotConnected when the agent is not on this hub.
// Every method is safe for concurrent use.
package relay
