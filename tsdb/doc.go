// Package tsdb owns monsys's time-series SQL: which dialect the database
// speaks (TimescaleDB or plain PostgreSQL), series resolution, the binary
// COPY of samples, partitions, the ingest ledger, the rollups, retention
// and the read path (Reader).
//
// The dialect is decided once at start and passed to everything that
// writes dialect-specific SQL; nothing re-detects it per query.
//
// # Layout
//
// series(id, tenant_id, agent_id, metric, labels, labels_hash) names every
// series once; samples(time, series_id, value) is the only hot table: a
// TimescaleDB hypertable with 1-day chunks compressed after 2 days
// (segment by series_id, order by time), or on plain PostgreSQL a table
// range-partitioned by day, partitions created ahead by a worker. There is
// no foreign key from samples to series: it would cost every row a lookup.
//
// # The index, by measurement
//
// Every read of samples is "these series over this range", so samples has
// one index, btree (series_id, time). It is the price of ingest; the
// alternatives measured with BenchmarkCopyIndexChoice (binary COPY of
// 50 000-row batches over 100 000 series into one day partition, one
// connection, the embedded cluster in fast mode, 2 cores, 2026-11-27;
// medians of 3 runs of 40 copies):
//
//	no index                         1.79 M rows/s   (reads would scan whole partitions)
//	btree (time)                     0.47 M rows/s   (a 1-hour read of one series scans all series)
//	brin (time) + btree (series_id)  0.31 M rows/s   (no better than the composite, and worse reads)
//	btree (series_id, time)          0.32 M rows/s   chosen: every read is an index range scan
//
// The composite btree costs 5.6× the raw COPY rate. Ingest throughput
// targets are measured against a ceiling with the same index.
//
//	go test -run '^$' -bench CopyIndexChoice -benchtime 40x -count 3 ./tsdb
//
// # Rollups
//
// samples_1m and samples_1h hold count, sum, min, max and last (the value
// at the latest time; ties between equal times are unspecified) per series
// and bucket, buckets aligned on the Unix epoch. On TimescaleDB they are
// continuous aggregates, 1h built on 1m, with real-time aggregation and
// refresh policies (migration 0005). On plain PostgreSQL they are tables
// kept by Rollup from a watermark per tier (rollup_watermarks): every
// bucket that starts before the watermark is rolled up, and reads take the
// rest from the layer below, in the same statement, so both dialects
// answer alike (TestRollupAnswersEqualRaw). Minutes past the minute
// watermark come from raw samples. The hour the watermarks are in comes
// from samples_1h_open, its settled minutes summed per series (one row a
// series instead of up to 59 minute rows), then raw samples.
//
// The plain-PostgreSQL rule, run every minute:
//   - A minute is rolled up once it ended Lag (1m) ago, an hour once its
//     last minute is.
//   - Each run rolls up again the last Grace (10m) of minutes it had
//     rolled up, and the hours they touch, rewriting only rows whose
//     aggregates changed. The minute watermark that reads use trails the
//     newest rolled-up minute by Grace: those minutes are read from raw
//     samples, so a sample up to Grace late is in every answer as soon as
//     it is stored and in the rollup after the next run. A later one is
//     late (below).
//     The hour watermark is the minute one rounded down to the hour.
//   - After downtime the worker catches up in steps of at most 6 h, one
//     transaction each with its watermarks; the first run starts at raw
//     retention. An advisory lock lets one hub of several roll up.
//
// # Late samples
//
// A sample is late when it is written behind what the rollups hold: on
// plain PostgreSQL before the late boundary, where the worker has
// announced it will settle next (never before the minute watermark); on
// TimescaleDB below either continuous aggregate's watermark, where
// real-time aggregation no longer reads raw samples. An agent replaying
// days of spool after an outage, a fleet behind a broken link, a
// remote-write retry all write late samples, up to raw retention old
// (older ones are refused with 422 before they reach storage).
//
// The rule: a late sample is in raw answers as soon as it is stored, and
// in the 1m and 1h answers after the rollup worker's next run (every
// minute); until then those answers report the range as pending
// (Reader.Pending; the API's pending_from and pending_until).
//
//   - Recording. CopySamples is the one way samples are written (the
//     ingest flush and remote-write both reach it). In the writer's
//     transaction it reads the boundary (samples_late_before, migration
//     0010) and, after the COPY, writes one rollup_invalidations row per
//     hour its late samples fall in: the hour, the earliest and latest of
//     them, their series. In steady state nothing is late and the cost is
//     that one statement per flush.
//   - No sample slips through (plain PostgreSQL). The boundary read takes
//     an advisory lock shared until the writer commits; the worker moves
//     the boundary in a transaction of its own that takes the lock
//     exclusively (waiting for at most the flushes in flight, up to 10 s),
//     before it rolls anything up. A writer that saw the old boundary has
//     committed by then, so its samples are in the roll-up; a later one
//     sees the new boundary and records what the roll-up may miss
//     (TestLateBoundaryWaitsForWriters).
//   - Rolling up again (plain PostgreSQL). Each run first merges the rows
//     of each hour into one (union of series and range), then, oldest
//     hour first, rolls the minutes of the recorded range up again from
//     raw samples for at most LateSeries (1000) series per transaction,
//     and their hour from the minutes (or the open hour's row), by upserts
//     that rewrite only changed rows and delete nothing. Minutes from the
//     minute watermark on are left to the regular steps. A run spends at
//     most LateBudget (30 s) on this, then moves the watermarks on; the
//     rest waits for the next run. The log holds at most one merged row
//     per hour of raw retention plus what arrived since the last run.
//   - TimescaleDB. Its own invalidation log keeps refreshes correct, but
//     the refresh policies look back only 12 h (samples_1m) and 2 days
//     (samples_1h). The worker refreshes each recorded hour: samples_1m
//     over the recorded minutes, then samples_1h over the hour, never
//     past an aggregate's watermark (a refresh moves it to the end of its
//     window and would hide the buckets in between) and never back past
//     raw retention less an hour (a refresh over dropped chunks deletes
//     their rollup rows). A refresh recomputes every series of its window:
//     TimescaleDB's invalidations are ranges of time, not of series.
//   - Retention. An invalidation older than raw retention is dropped
//     without a refresh; rollup rows are never deleted by rolling up
//     again, so an hour whose raw samples are gone keeps its rollups.
//
// Measured on the shared 2-core machine (bench/results/2026-12-06-late.md):
//
//	one agent's late hour (100 series × 360 samples) over 1000 series
//	  plain PostgreSQL              452 ms    (79.6 k late samples/s)
//	  TimescaleDB 2.28.3           3688 ms    (every series of the hour is refreshed)
//	a run with nothing late, over main     +0.8 ms   (≈ 2.5 ms in all)
//	1000 agents × 100 series replaying     0.85 of steady ingest; all tiers
//	                                       complete 329 s after the replay
//
//	go test -run '^$' -bench 'LateRollup|RollupIdleRun' ./tsdb
//
// The minute rollup reads all series over the last minutes, which the
// (series_id, time) btree cannot serve; a BRIN index on samples(time)
// (plain PostgreSQL only) does, at a cost to COPY within the noise of
// this machine. Measured on 2 busy cores (BenchmarkRollupSteadyState: one
// steady-state run over a partition of 6 h × 1000 series at 10 s, 2.16 M
// rows; BenchmarkCopyWithTimeBRIN), 2026-11-27:
//
//	rollup run, BRIN on time          334–381 ms   (reads the last 11 minutes)
//	rollup run, no index on time      690–806 ms   (reads the whole day partition; grows with it)
//	COPY, btree (series_id, time)     0.17–0.22 M rows/s
//	COPY, btree + BRIN (time)         0.13–0.17 M rows/s
//
// Most of a run is the ordered array_agg that finds each minute's last
// value (about 2.5 µs a sample); 2000 series at 60 s cost about 60 ms a run.
//
// # Reads
//
// Reader composes each statement from a tier's source (read_source.go) and
// an outer aggregation; a read at the tier's own width passes rollup rows
// through and groups only the tail above the watermark (read_aligned.go).
// samples_1h is read by an index-only scan of its primary key, which
// carries the aggregates (migration 0009). Statements have no ORDER BY:
// rows are put in order in Go (read_order.go), and decoded from the binary
// format directly (read_decode.go). The hub gives Reader a pool of its own
// with generic plans (ConfigureReadPool): custom plans re-estimated the
// series-id array against every partition on each execution. Figures, 30
// days of 1h for one agent and the rest: bench/results/2026-11-27-queries.md.
// The composed statements are kept as files, testdata/read_<dialect>_<tier>_
// <shape>.sql, one statement per aggregation: a change to a fragment fails
// TestReadStatementsGolden until `go test ./tsdb -run ReadStatementsGolden
// -update` rewrites them, so the diff shows the SQL a change produces.
// Buckets start at multiples of their width from the Unix epoch
// (FloorTime in Go, epochSQL in SQL); query plans with the same rule.
//
// # Retention
//
// Per tier (Retention). TimescaleDB: retention policies on samples and
// both continuous aggregates, set at start by ApplyRetention (replaced
// only when they differ), chunks dropped whole by TimescaleDB's jobs.
// Plain PostgreSQL: EnforceRetention drops day partitions of samples whose
// whole day is past raw retention and deletes rollup rows past theirs in
// batches of 50 000 (btree on bucket). Run hourly, a run deletes one hour
// of rows (1/4320 of samples_1m at default retention), space vacuum
// reuses in place; partitioning the rollups would turn this into a DROP,
// and is the step to take if these deletes ever show up in measurements
// (they have not been measured at fleet scale).
//
// # Ownership
//
// tsdb is the only package that writes series, samples, the rollups and
// their watermarks, and the ingest ledger (ingest_batches:
// RecordBatches, StoredBatches, PruneLedger); callers that must commit
// with their own rows pass their transaction (ingest's flush does).
// migrations/owners_test.go fails when another package writes them.
//
// # Faults
//
// FaultOf (fault.go) tells a database that cannot serve for now (down,
// shutting down, disk full, read-only, out of resources, too slow) from an
// error of the statement itself, by SQLSTATE and connection errors, so
// that ingest's gate and the API's 503s need not read SQLSTATEs.
package tsdb
