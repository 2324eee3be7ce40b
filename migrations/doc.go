// Package migrations holds monsys's embedded, forward-only SQL migrations
// and the runner that applies them.
//
// There is one set of files for both storage dialects. A file branches on
// the dialect with a text/template block, {{if .timescaledb}} … {{else}} …
// {{end}}, so plain PostgreSQL 15 and TimescaleDB run the same history.
// Files are named NNNN_verb_noun.sql and never edited once released: a
// change is a new file.
//
// Up takes a session-level advisory lock (tern's), so several hubs starting
// at once migrate one after the other. Each file runs in its own
// transaction unless it says `---- tern: disable-tx ----` (continuous
// aggregates must be created outside a transaction).
package migrations
