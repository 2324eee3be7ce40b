// Package textcheck says whether text entering the hub is text PostgreSQL
// can store: valid UTF-8 without NUL (U+0000). PostgreSQL refuses NUL in
// text (SQLSTATE 22021) and \u0000 or a lone surrogate escape in jsonb
// (22P05, 22P02); Go's encoding/json lets all three through silently
// (invalid bytes and lone surrogates become U+FFFD in Go strings, but a
// json.RawMessage keeps them as sent). Every place text enters — request
// bodies, query parameters, path segments, agent batches, remote-write
// labels — checks it here and refuses it with the name of the field, so
// bad text is a 400/422 for its sender and never a storage failure that
// takes other requests down with it.
//
// The package is stdlib only and keeps no state.
package textcheck
