// Package pgtest gives every database test its own freshly migrated, empty
// PostgreSQL database.
//
// A test package calls Start from TestMain. Start uses the server named by
// MONSYS_TEST_DATABASE_URL when it is set (a TimescaleDB server, say) and
// otherwise starts a private cluster with internal/pglocal in fast mode
// (fsync off). It migrates a template database once; each test's New then
// copies the template (CREATE DATABASE … TEMPLATE), which takes tens of
// milliseconds, and drops the copy when the test ends.
//
// Missing PostgreSQL binaries fail the run: database tests never skip.
// Packages that start goroutines wrap Main in NoLeaks, which fails a
// passing run when a goroutine outlived the tests.
package pgtest
