-- Rollups of samples per series: samples_1m and samples_1h, one row per
-- (bucket, series) with count, sum, min, max and last (the value at the
-- latest time in the bucket). Queries over long ranges read these instead
-- of raw samples (DESIGN.md §3, §6); the grafana views read them too, so
-- their columns are a contract:
--   bucket timestamptz, series_id bigint, count bigint,
--   sum, min, max, last double precision.
-- Buckets are aligned on the Unix epoch (the same as time_bucket's default
-- origin for minutes and hours).
{{if .timescaledb}}
---- tern: disable-tx ----
-- Continuous aggregates cannot be created inside a transaction. Every
-- statement is safe to run again, should this file stop half-way.

-- Real-time aggregation (materialized_only = false): rows past the last
-- refresh are computed from the layer below at query time, so answers never
-- lag ingest.
CREATE MATERIALIZED VIEW IF NOT EXISTS samples_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', time) AS bucket,
       series_id,
       count(*) AS count,
       sum(value) AS sum,
       min(value) AS min,
       max(value) AS max,
       last(value, time) AS last
FROM samples
GROUP BY 1, 2
WITH NO DATA;

-- Hierarchical: the hourly rollup is built on the minute one.
CREATE MATERIALIZED VIEW IF NOT EXISTS samples_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket,
       series_id,
       sum(count)::bigint AS count,
       sum(sum) AS sum,
       min(min) AS min,
       max(max) AS max,
       last(last, bucket) AS last
FROM samples_1m
GROUP BY 1, 2
WITH NO DATA;

-- Refresh policies, never a refresh here. start_offset is how late a
-- sample may arrive and still be rolled up (12 h; raw retention is at
-- least 24 h, so a refresh never reads a range whose chunks are gone);
-- the hourly window (2 days) stays inside the minute tier's retention
-- (at least 72 h, config.Validate).
SELECT add_continuous_aggregate_policy('samples_1m',
    start_offset => INTERVAL '12 hours', end_offset => INTERVAL '1 minute',
    schedule_interval => INTERVAL '1 minute', if_not_exists => true);
SELECT add_continuous_aggregate_policy('samples_1h',
    start_offset => INTERVAL '2 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '15 minutes', if_not_exists => true);

-- Compress rollups once they are past any refresh window, segmented like
-- samples so a series' range reads one segment.
ALTER MATERIALIZED VIEW samples_1m SET (timescaledb.compress = true,
    timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'bucket');
SELECT add_compression_policy('samples_1m', compress_after => INTERVAL '7 days', if_not_exists => true);
ALTER MATERIALIZED VIEW samples_1h SET (timescaledb.compress = true,
    timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'bucket');
SELECT add_compression_policy('samples_1h', compress_after => INTERVAL '30 days', if_not_exists => true);

-- Retention policies depend on configuration (MONSYS_RETENTION_*): the hub
-- sets them at start (tsdb.ApplyRetention).
{{else}}
-- Plain PostgreSQL: ordinary tables kept by the hub's rollup worker
-- (tsdb.Rollup). Buckets below the watermark are rolled up; queries read
-- the rest from the layer below, as TimescaleDB's real-time aggregation does.
CREATE TABLE samples_1m (
    bucket     timestamptz NOT NULL,
    series_id  bigint NOT NULL,
    count      bigint NOT NULL,
    sum        double precision NOT NULL,
    min        double precision NOT NULL,
    max        double precision NOT NULL,
    last       double precision NOT NULL,
    PRIMARY KEY (series_id, bucket)
);
-- Retention deletes by bucket, the hourly rollup reads by bucket, and
-- grafana's fleet-wide panels filter by time across series. BRIN, not
-- btree: rows arrive in bucket order, and with a btree on bucket the
-- planner read every series' rows in the range and filtered them instead
-- of using the primary key for "these series over this range" (measured:
-- one agent's 20 series, 48 h at 1h, scanned 18 800 rows to keep 940).
CREATE INDEX samples_1m_bucket_brin ON samples_1m USING brin (bucket) WITH (autosummarize = on);

CREATE TABLE samples_1h (
    bucket     timestamptz NOT NULL,
    series_id  bigint NOT NULL,
    count      bigint NOT NULL,
    sum        double precision NOT NULL,
    min        double precision NOT NULL,
    max        double precision NOT NULL,
    last       double precision NOT NULL,
    PRIMARY KEY (series_id, bucket)
);
CREATE INDEX samples_1h_bucket_brin ON samples_1h USING brin (bucket) WITH (autosummarize = on);

-- How far each rollup is complete: every bucket that starts before the
-- watermark is rolled up. Written in the same transaction as the rows.
CREATE TABLE rollup_watermarks (
    tier        text PRIMARY KEY CHECK (tier IN ('1m', '1h')),
    watermark   timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The rollup worker reads every series over the last minutes: a BRIN index
-- on time finds those pages without a btree on the ingest path (measured in
-- tsdb/doc.go).
CREATE INDEX samples_time_brin ON samples USING brin (time) WITH (autosummarize = on);
{{end}}
