// Package console is the hub's side of the emergency console: it owns the
// console_sessions, console_chunks, emergency_grants and hub_keys tables.
//
// A session is started by Service.Start (the api checked role and TOTP):
// a row in state pending, a console_open pushed to the agent (relay), and
// two one-time tickets, one for the browser's WebSocket and one for the
// agent's dial-back. Bridge joins the two sockets: terminal bytes flow as
// binary frames, resizes and the exit as JSON control messages
// (wire/console.go). Each side has a bounded queue; a full queue blocks
// only that session's reader, so a slow browser or agent slows its own
// session and nothing else.
//
// Every byte is recorded as it streams (recorder.go): asciicast v2 event
// lines ("o" output, "i" input, "r" resize) buffered into chunks of at
// most ChunkBytes, written to PostgreSQL when full and at least every
// second. A chunk that cannot be written ends the session as failed (fail
// closed): nothing is shown or typed that is not recorded for longer than
// one flush. The SHA-256 of the chunks in order goes into the
// console_session_ended audit row, so the audit hash chain covers the
// recording; Verify recomputes it.
//
// Emergency grants (grants.go) are signed with the hub's Ed25519 key
// (keys.go, generated once, seed sealed under MONSYS_TOTP_KEY) and pushed
// to the agent, which verifies them with the key it pinned at
// registration.
package console
