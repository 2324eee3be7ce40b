// Package ingest turns agent batches into committed rows: decode → verify
// → series resolve → sharded ring → flushers (COPY) → acknowledge.
//
// The decoder writes straight into a columnar Batch and allocates nothing
// per sample once the Batch's buffers have grown; Batches are pooled.
package ingest
