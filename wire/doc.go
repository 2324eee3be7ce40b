// Package wire is the agent⇄hub protocol: the request and answer types, the
// header names and the Ed25519 signing strings. It imports only the standard
// library, so the agent, the hub and the benchmark share one definition and
// the agent binary stays free of server dependencies.
//
// A signature covers the body exactly as sent (compressed bytes), so the hub
// verifies before it decompresses anything:
//
//	"monsys-<purpose>-v1\n" + subject + "\n" + unix_seconds + "\n" + hex(sha256(body))
//
// where purpose is "ingest" (subject: agent id) or "register" (subject:
// machine id), and the header is X-Monsys-Signature: ed25519=<base64 std>.
package wire
