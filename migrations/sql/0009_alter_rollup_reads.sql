-- Rollup reads answer from the primary key alone (plain PostgreSQL).
--
-- Every read of samples_1h is "these series over this range", served by its
-- primary key (series_id, bucket). The rows themselves sit in the order the
-- rollup worker wrote them, an hour of every series at a time, so one
-- series' 30 days were 720 rows on 720 heap pages, and reading them was most
-- of a 30-day dashboard read. With the aggregates carried in the key's leaf
-- pages (INCLUDE), the read is an index-only scan of a few adjacent pages.
-- Measured on 100 agents × 20 series × 30 days (bench/results/
-- 2026-11-27-queries.md): one agent's 30 days at 1h, 14 380 rows, took
-- 7.3 ms as a bitmap heap scan and 3.7 ms as an index-only scan; the key
-- grows from 58 to 106 MB (the table is 116 MB).
--
-- samples_1m keeps its narrow key: it is 60 times larger, and its reads
-- cover shorter ranges whose rows lie closer together.
--
-- An index-only scan skips the heap only on pages the visibility map marks
-- all-visible, which VACUUM sets. Hour rows are written once an hour and
-- rarely changed after, so autovacuum's default (after 20 % of the table
-- is new) would leave days of the newest, most read hours to the heap:
-- vacuum after every 10 000 rows written instead. Such a vacuum reads only
-- the pages written since the last one.
{{if .timescaledb}}
-- TimescaleDB: nothing changes. Its continuous aggregates add open buckets
-- by real-time aggregation, and a migration must hold a statement.
SELECT 'migration 0009 changes plain PostgreSQL only';
{{else}}
ALTER TABLE samples_1h DROP CONSTRAINT samples_1h_pkey,
    ADD CONSTRAINT samples_1h_pkey PRIMARY KEY (series_id, bucket) INCLUDE (count, sum, min, max, last);
ALTER TABLE samples_1h SET (autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000);

-- The open hour: what is settled of the hour the watermarks are in. Reads
-- of the hourly tier took the minutes from the hour watermark to the minute
-- watermark from samples_1m, up to 59 rows a series: for a top-10 over a
-- day of 400 series, 22 400 minute rows against 8 800 hour rows. The rollup
-- worker keeps them summed here instead, one row a series, brought up to
-- the watermarks in every run (tsdb.Rollup); reads add it to the hours
-- below the hour watermark and the raw samples past the minute watermark.
-- samples_1h keeps complete hours only, as TimescaleDB's does.
CREATE TABLE samples_1h_open (
    series_id  bigint NOT NULL,
    bucket     timestamptz NOT NULL,
    count      bigint NOT NULL,
    sum        double precision NOT NULL,
    min        double precision NOT NULL,
    max        double precision NOT NULL,
    last       double precision NOT NULL,
    -- A narrow key: the rows change every minute, so the visibility map
    -- never covers them and an index-only scan would gain nothing, while
    -- updates that change no key column can stay on their page (HOT), for
    -- which half of each page is left free.
    PRIMARY KEY (series_id)
) WITH (fillfactor = 50);
INSERT INTO samples_1h_open (series_id, bucket, count, sum, min, max, last)
SELECT series_id, date_bin(INTERVAL '1 hour', bucket, timestamptz '1970-01-01 00:00:00+00'),
       sum(count)::bigint, sum(sum), min(min), max(max), (array_agg(last ORDER BY bucket DESC))[1]
FROM samples_1m
WHERE bucket >= (SELECT coalesce(max(watermark), 'infinity') FROM rollup_watermarks WHERE tier = '1h')
  AND bucket < (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')
GROUP BY 1, 2;
{{end}}
