// Package enroll keeps the agent's identity and registers it with the hub.
//
// The state directory (0700) holds three files, each 0600: signing.key
// (the Ed25519 private key seed, base64), state.json (agent id, agent
// token, machine id and hub URL) and, while a registration is in flight,
// nothing else: state.json is replaced atomically (write, fsync, rename).
//
// Registration is idempotent on the hub: the same machine id comes back as
// the same agent. At start an agent with a saved token re-registers with
// it (the hub answers with a fresh token, kept at once); an agent without
// one registers with the enrollment token. A hub that cannot be reached
// does not stop an agent that already has a token: it keeps collecting
// into its spool. Wrong URLs and refused tokens end the start with a
// message that says what to fix.
package enroll
