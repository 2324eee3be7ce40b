// Package tsdb owns monsys's time-series SQL: which dialect the database
// speaks (TimescaleDB or plain PostgreSQL), and — as the ingest and query
// features land — series, samples, rollups and retention.
//
// The dialect is decided once at start and passed to everything that
// writes dialect-specific SQL; nothing re-detects it per query.
package tsdb
