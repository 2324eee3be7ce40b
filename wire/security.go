package wire

// Kinds of SecurityEvent.
const (
	EventHoneypot = "honeypot" // a connection to a decoy port
	EventCanary   = "canary"   // a canary file was opened
)

// SecurityEvent is something the agent's decoys saw: a connection to a
// honeypot port, or a canary file opened. Each raises an alert on the hub
// and is listed by GET /security.
type SecurityEvent struct {
	Kind       string `json:"kind"`                  // honeypot or canary
	At         int64  `json:"at"`                    // unix ms
	Proto      string `json:"proto,omitempty"`       // honeypot: tcp
	Port       int    `json:"port,omitempty"`        // honeypot: the decoy port
	SourceIP   string `json:"source_ip,omitempty"`   // honeypot: who connected
	SourcePort int    `json:"source_port,omitempty"` // honeypot
	FirstBytes string `json:"first_bytes,omitempty"` // honeypot: what the peer sent first, Go-quoted, at most 256 bytes before quoting
	Path       string `json:"path,omitempty"`        // canary: the file
	Access     string `json:"access,omitempty"`      // canary: open, read or modify
}
