package wire

// RegisterRequest is the body of POST /api/v1/agents/register. The bearer
// token is an enrollment token (mse_…) or the agent's own token (msa_…).
type RegisterRequest struct {
	MachineID     string `json:"machine_id"`
	Hostname      string `json:"hostname"`
	OS            string `json:"os"`
	Arch          string `json:"arch"`
	AgentVersion  string `json:"agent_version"`
	SigningPubkey string `json:"signing_pubkey,omitempty"` // Ed25519 public key, base64 std
}

// RegisterResponse answers a registration. AgentToken is shown once: the
// hub keeps only its hash, and a repeated registration issues a new one.
type RegisterResponse struct {
	AgentID    string `json:"agent_id"`
	AgentToken string `json:"agent_token"`
	Created    bool   `json:"created"`
	// HubKey is the hub's Ed25519 public key (base64 std) that signs
	// emergency grants; the agent pins the first one it sees.
	HubKey string `json:"hub_key,omitempty"`
}

// Heartbeat is the body of POST /api/v1/agents/:id/heartbeat and the
// heartbeat part of an ingest batch.
type Heartbeat struct {
	UptimeS      int64  `json:"uptime_s"`
	AgentVersion string `json:"agent_version,omitempty"`
	IntervalS    int    `json:"interval_s,omitempty"`
	// BinarySHA256 is the hex SHA-256 of the agent's own executable, read
	// at its start: the hub compares it with the builds it serves.
	BinarySHA256 string `json:"binary_sha256,omitempty"`
}

// ValidBinarySHA256 says whether s is empty or 64 lowercase hex digits.
func ValidBinarySHA256(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
