// Package auth holds the credentials monsys hands out and checks: argon2id
// password hashes, prefixed bearer tokens with a checksum, opaque session
// secrets, and the role order that gates routes.
//
// Nothing here touches the database. Secrets leave this package in two
// forms only: the plaintext, returned once to the caller who shows it to the
// user, and a SHA-256 hash, which is what storage keeps and looks up. Every
// function is safe for concurrent use.
package auth
