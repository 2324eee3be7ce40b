// Package spool keeps encoded batches on disk until the hub has them:
// one file per batch, named by sequence number and batch id, so batches
// survive hub outages and agent restarts and go out oldest first with the
// same batch id on every attempt (the hub stores a batch id once).
//
// The spool is bounded by bytes: appending past the cap removes the
// oldest batches and counts them in Dropped (persisted beside the files).
// A new file is written and renamed into place at once, so a killed agent
// (kill -9) loses nothing it had appended; file contents and the directory
// are fsynced every SyncInterval (default 1 s), which bounds what a power
// cut or kernel crash can take.
//
// A Spool is safe for concurrent use: the collector appends while the
// sender peeks and removes.
package spool
