package wire

// Console push messages (hub → agent) and the console WebSocket's control
// messages. The console's own WebSocket is
// GET /api/v1/ws/agents/:id/console/:session_id, opened by the agent with
// its agent token and the session's one-time ticket (ConsoleTicketHeader).
// On it, binary frames carry terminal bytes (hub → agent: input, agent →
// hub: output) and text frames carry one ConsoleControl as JSON.
const (
	PushConsoleOpen  = "console_open"  // Data: ConsoleOpen; ack once the agent is dialling back, error when refused
	PushConsoleClose = "console_close" // Data: ConsoleClose; the agent kills the session's process group
)

// ConsoleTicketHeader carries the session's one-time ticket on the agent's
// console WebSocket.
const ConsoleTicketHeader = "X-Monsys-Console-Ticket"

// Console control message types.
const (
	ConsoleResize     = "resize" // either direction: Cols, Rows
	ConsoleExit       = "exit"   // agent → hub, last message: ExitStatus, Reason
	ConsoleEnded      = "ended"  // hub → browser, last message: State, Reason, ExitStatus
	ConsoleCloseShell = "close"  // hub → agent: end the shell (Reason), then report the exit
)

// ConsoleOpen asks the agent to start a console for a session.
type ConsoleOpen struct {
	SessionID  string `json:"session_id"`
	Ticket     string `json:"ticket"` // one-time; sent back in ConsoleTicketHeader
	Cols       int    `json:"cols"`
	Rows       int    `json:"rows"`
	MaxSeconds int    `json:"max_seconds"` // the agent also caps this with its own limit
	Reason     string `json:"reason"`
	User       string `json:"user"` // the person who opened it, for the agent's log
}

// ConsoleClose ends a session on the agent.
type ConsoleClose struct {
	SessionID string `json:"session_id"`
	Reason    string `json:"reason"`
}

// ConsoleControl is one JSON control message on a console WebSocket.
type ConsoleControl struct {
	Type       string `json:"type"`
	Cols       int    `json:"cols,omitempty"`
	Rows       int    `json:"rows,omitempty"`
	ExitStatus *int   `json:"exit_status,omitempty"`
	Reason     string `json:"reason,omitempty"`
	State      string `json:"state,omitempty"`
}

// ValidSize reports whether a terminal size is usable: 1 to 1000 each way.
func ValidSize(cols, rows int) bool {
	return cols >= 1 && cols <= 1000 && rows >= 1 && rows <= 1000
}
