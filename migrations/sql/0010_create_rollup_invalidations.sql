-- Late samples reach every rollup (tsdb/doc.go, "Late samples").
--
-- A sample written behind the rollups' settled range (an agent replaying
-- its spool after an outage, a remote-write retry) is stored in raw samples
-- at once; the rollups must be told. The transaction that writes it also
-- writes one row here per hour its late samples fall in, with their time
-- range and their series (tsdb.CopySamples). The rollup worker rolls those
-- minutes and hours up again and deletes the rows (tsdb.Rollup), after
-- merging the rows of each hour into one, so a flood of late writes costs
-- at most one row per hour of raw retention. Reads of the 1m and 1h tiers
-- report the ranges still listed here (tsdb.Reader.Pending).
CREATE TABLE rollup_invalidations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hour        timestamptz NOT NULL,  -- the hour the late samples fall in
    lo          timestamptz NOT NULL,  -- the earliest of them
    hi          timestamptz NOT NULL,  -- one millisecond after the latest
    series_ids  bigint[] NOT NULL,     -- their series, ascending, each once
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK (lo >= hour AND hi > lo AND hi <= hour + INTERVAL '1 hour')
);
CREATE INDEX rollup_invalidations_hour ON rollup_invalidations (hour);

-- samples_late_before(lock_key) is the time before which a sample written
-- now is late: one statement, called by every writer of samples in its
-- own transaction before it writes (tsdb.CopySamples).
{{if .timescaledb}}
-- TimescaleDB: late is below either continuous aggregate's watermark,
-- where real-time aggregation no longer reads raw samples. TimescaleDB's
-- own invalidation log keeps the refresh correct; this only says where the
-- worker must refresh, since the refresh policies look back 12 h and 2
-- days only. cagg_watermark is the function TimescaleDB's real-time views
-- call themselves. The lock key is not used: nothing here waits for ingest.
CREATE FUNCTION samples_late_before(lock_key bigint) RETURNS timestamptz
LANGUAGE sql VOLATILE AS $$
SELECT coalesce(max(_timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(mat_hypertable_id))), '-infinity')
FROM _timescaledb_catalog.continuous_agg
WHERE user_view_schema = 'public' AND user_view_name IN ('samples_1m', 'samples_1h');
$$;
{{else}}
-- Plain PostgreSQL: the boundary is where the rollup worker has announced
-- it will settle next (late_before >= the minute watermark, always). The
-- worker moves it in a short transaction of its own that holds the
-- advisory lock lock_key exclusively; writers hold it shared until they
-- commit. So when the worker rolls up with the boundary moved, every
-- writer that saw the old boundary has committed (its samples are in the
-- rollup), and every later one sees the new boundary (it records what the
-- rollup may miss). The function is VOLATILE so that its second statement
-- reads the boundary with a snapshot taken after the lock was granted.
CREATE TABLE rollup_late_boundary (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    late_before timestamptz NOT NULL
);
INSERT INTO rollup_late_boundary (late_before)
SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m';

CREATE FUNCTION samples_late_before(lock_key bigint) RETURNS timestamptz
LANGUAGE sql VOLATILE AS $$
SELECT pg_advisory_xact_lock_shared(lock_key);
SELECT late_before FROM rollup_late_boundary;
$$;
{{end}}
