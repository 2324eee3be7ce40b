package wire

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strconv"
)

// Emergency grant push messages (hub → agent).
const (
	PushEmergencyGrant  = "emergency_grant"  // Data: SignedGrant; ack when verified and kept, error when refused
	PushEmergencyRevoke = "emergency_revoke" // Data: GrantRevoke; the grant stops counting at once
)

// EmergencyGrant lets an agent in --console=emergency mode accept consoles
// from NotBefore until NotAfter (Unix seconds).
type EmergencyGrant struct {
	GrantID   string `json:"grant_id"`
	AgentID   string `json:"agent_id"`
	NotBefore int64  `json:"not_before"`
	NotAfter  int64  `json:"not_after"`
	Reason    string `json:"reason"`
	By        string `json:"by"` // the person who created it
}

// SignedGrant is a grant with the hub key's signature over its
// GrantSigningString, base64 std.
type SignedGrant struct {
	Grant     EmergencyGrant `json:"grant"`
	Signature string         `json:"signature"`
}

// GrantRevoke names a grant to forget.
type GrantRevoke struct {
	GrantID string `json:"grant_id"`
}

// GrantSigningString is what the hub signs: purpose, agent, grant and its
// window, so a grant for one agent never verifies for another.
func GrantSigningString(g EmergencyGrant) []byte {
	s := "monsys-emergency-grant-v1\n" + g.AgentID + "\n" + g.GrantID + "\n" +
		strconv.FormatInt(g.NotBefore, 10) + "\n" + strconv.FormatInt(g.NotAfter, 10)
	return []byte(s)
}

// SignGrant signs g with the hub's key.
func SignGrant(key ed25519.PrivateKey, g EmergencyGrant) SignedGrant {
	return SignedGrant{Grant: g, Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, GrantSigningString(g)))}
}

// VerifyGrant checks sg's signature with the pinned hub key and that it
// names agentID.
func VerifyGrant(hubKey ed25519.PublicKey, agentID string, sg SignedGrant) error {
	if len(hubKey) != ed25519.PublicKeySize {
		return errors.New("no hub key is pinned: register again with a hub that gives one")
	}
	if sg.Grant.AgentID != agentID {
		return errors.New("the grant names another agent")
	}
	sig, err := base64.StdEncoding.DecodeString(sg.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return ErrMalformedSignature
	}
	if !ed25519.Verify(hubKey, GrantSigningString(sg.Grant), sig) {
		return ErrBadSignature
	}
	if sg.Grant.NotAfter <= sg.Grant.NotBefore {
		return errors.New("the grant's window is empty")
	}
	return nil
}
