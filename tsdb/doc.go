// Package tsdb owns monsys's time-series SQL: which dialect the database
// speaks (TimescaleDB or plain PostgreSQL), series resolution, the binary
// COPY of samples, partitions and the ingest ledger — and, as the query
// feature lands, rollups and retention.
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
package tsdb
