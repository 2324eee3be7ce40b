package wire

import "encoding/json"

// Push message types: the JSON messages of the push WebSocket
// (GET /api/v1/ws/agents/:id). Every message has a type and an id; a reply
// carries the id of the message it answers.
const (
	PushPing         = "ping"          // either side; answered by pong with the same id
	PushPong         = "pong"          // answer to ping
	PushConfigUpdate = "config_update" // hub → agent: Config holds the new settings
	PushAck          = "ack"           // agent → hub: the message with this id was applied
	PushError        = "error"         // agent → hub: the message with this id was refused (Error says why)
)

// MaxPushMessage is the largest push message either side accepts, bytes.
const MaxPushMessage = 64 << 10

// PushMessage is one message on the push WebSocket. Fields beyond Type and
// ID are set by the types that use them.
type PushMessage struct {
	Type   string          `json:"type"`
	ID     string          `json:"id"`
	Config *AgentConfig    `json:"config,omitempty"` // config_update
	Error  string          `json:"error,omitempty"`  // error
	Data   json.RawMessage `json:"data,omitempty"`   // reserved for console and emergency messages
}

// AgentConfig is the part of an agent's configuration the hub may change
// at run time. Zero fields are left as they are.
type AgentConfig struct {
	IntervalS          int `json:"interval_s,omitempty"`           // metrics interval, 1 to 3600
	InventoryIntervalS int `json:"inventory_interval_s,omitempty"` // full inventory resend, 60 to 86400
}
