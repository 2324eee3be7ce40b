// Package push keeps the agent's WebSocket to the hub open
// (GET /api/v1/ws/agents/:id, agent token) and hands the hub's messages to
// a handler: ping is answered with pong here, config updates and later
// message types go to the handler, whose answer (if any) is sent back.
//
// A dropped connection is dialled again after a jittered exponential
// backoff from 1 s to 60 s, reset once a connection has stayed up for a
// minute. Run is owned by one goroutine; the handler is called from it.
package push
