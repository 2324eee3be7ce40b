-- Grafana reads monsys through the grafana schema (DESIGN.md §3): read-only
-- views with a "time" column and readable labels, and the monsys_grafana
-- role, which may read these views and nothing else. A view runs with its
-- owner's rights on the tables behind it, so the role needs no grant on
-- them. Grafana is an operator tool: the views show every tenant, with the
-- tenant's slug and name so dashboards can filter by $tenant.
-- deploy/grafana/README.md is the guide; deploy/grafana's tests run every
-- provisioned panel against these views as monsys_grafana.

{{if not .timescaledb}}
-- TimescaleDB's time_bucket(interval, timestamptz) for plain PostgreSQL, so
-- the same dashboard SQL (and Grafana's $__timeGroup with the datasource's
-- TimescaleDB option on) runs on both dialects with the same answers:
-- buckets count from TimescaleDB's default origin, Monday 2000-01-03
-- 00:00 UTC, and month-sized buckets from 2000-01-01 in UTC. Mixing months
-- with days or time is an error, as it is in TimescaleDB (date_bin raises
-- it). Not STRICT, so the planner inlines it into date_bin.
CREATE FUNCTION public.time_bucket(bucket_width interval, ts timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
  WHEN extract(year FROM bucket_width) = 0 AND extract(month FROM bucket_width) = 0
    THEN date_bin(bucket_width, ts, timestamptz '2000-01-03 00:00:00+00')
  WHEN extract(year FROM bucket_width) * 12 + extract(month FROM bucket_width) > 0
   AND extract(day FROM bucket_width) = 0 AND extract(hour FROM bucket_width) = 0
   AND extract(minute FROM bucket_width) = 0 AND extract(second FROM bucket_width) = 0
    THEN (timestamp '2000-01-01 00:00:00' + make_interval(months => (
            floor(((extract(year FROM ts AT TIME ZONE 'UTC') - 2000) * 12
                   + extract(month FROM ts AT TIME ZONE 'UTC') - 1)
                  / (extract(year FROM bucket_width) * 12 + extract(month FROM bucket_width)))
            * (extract(year FROM bucket_width) * 12 + extract(month FROM bucket_width)))::integer
         )) AT TIME ZONE 'UTC'
  ELSE date_bin(bucket_width, ts, timestamptz '2000-01-03 00:00:00+00')
END;
COMMENT ON FUNCTION public.time_bucket(interval, timestamptz) IS
  'TimescaleDB''s time_bucket on plain PostgreSQL: origin 2000-01-03 UTC, months from 2000-01-01 UTC (monsys migration 0006)';
{{end}}

CREATE SCHEMA grafana;
COMMENT ON SCHEMA grafana IS
  'Read-only views for Grafana (role monsys_grafana); every tenant, with tenant slug and name';

-- Raw samples. labels_text reads like Prometheus (cpu="0", mode="user"),
-- series adds the metric name in front; the label columns are the keys
-- monsys agents use (deploy/grafana/README.md), any other is labels->>'key'.
-- Unreferenced columns cost nothing: the planner drops them.
CREATE VIEW grafana.metrics AS
SELECT s.time,
       t.slug AS tenant,
       t.name AS tenant_name,
       sr.tenant_id,
       sr.agent_id,
       a.hostname,
       sr.metric,
       sr.labels,
       coalesce((SELECT string_agg(l.key || '=' || l.value::text, ', ' ORDER BY l.key)
                 FROM jsonb_each(sr.labels) AS l), '') AS labels_text,
       sr.metric || CASE WHEN sr.labels = '{}' THEN '' ELSE
         '{' || (SELECT string_agg(l.key || '=' || l.value::text, ', ' ORDER BY l.key)
                 FROM jsonb_each(sr.labels) AS l) || '}' END AS series,
       sr.labels ->> 'cpu' AS cpu,
       sr.labels ->> 'mode' AS mode,
       sr.labels ->> 'device' AS device,
       sr.labels ->> 'mountpoint' AS mountpoint,
       sr.labels ->> 'interface' AS interface,
       s.value,
       s.series_id
FROM samples s
JOIN series sr ON sr.id = s.series_id
JOIN tenants t ON t.id = sr.tenant_id
LEFT JOIN agents a ON a.id = sr.agent_id;
COMMENT ON VIEW grafana.metrics IS
  'Raw samples (time, value) with tenant, agent, hostname, metric and labels';

-- The rollups (migration 0005): one row per series and bucket, time = the
-- bucket's start, complete up to the latest sample on both dialects.
-- avg = sum / count; to average over several buckets use
-- sum(sum) / sum(count), not avg(avg).
--
-- They read the rollups series by series: first the series with their
-- tenant and host (a filter on agent, metric or labels finds them by
-- index), then each series' rows (LATERAL, series_id = sr.id) from the
-- rollup's (series_id, bucket) index, the un-rolled tail included. Joined
-- the plain way, the planner hashes every series' rows in the time range,
-- since the tail is an aggregate it cannot look up by series: one host's
-- CPU over two days took 200 ms from samples_1h and 2.4 s from samples_1m
-- on TimescaleDB with 100 agents × 20 series, against 3 ms and 20-40 ms
-- this way. The two GROUP BYs change no row (sr.id and bucket are unique
-- per series) and are there for the planner: the first keeps the series
-- lookup in one piece, so hosts and tenants are joined to the series
-- rather than to every rollup row; the second keeps TimescaleDB's
-- continuous aggregate from being flattened back into the plain join.
-- Filters on the series and on time still reach both indexes.
CREATE VIEW grafana.metrics_1m AS
SELECT r.bucket AS time,
       sr.slug AS tenant,
       sr.name AS tenant_name,
       sr.tenant_id,
       sr.agent_id,
       sr.hostname,
       sr.metric,
       sr.labels,
       coalesce((SELECT string_agg(l.key || '=' || l.value::text, ', ' ORDER BY l.key)
                 FROM jsonb_each(sr.labels) AS l), '') AS labels_text,
       sr.metric || CASE WHEN sr.labels = '{}' THEN '' ELSE
         '{' || (SELECT string_agg(l.key || '=' || l.value::text, ', ' ORDER BY l.key)
                 FROM jsonb_each(sr.labels) AS l) || '}' END AS series,
       sr.labels ->> 'cpu' AS cpu,
       sr.labels ->> 'mode' AS mode,
       sr.labels ->> 'device' AS device,
       sr.labels ->> 'mountpoint' AS mountpoint,
       sr.labels ->> 'interface' AS interface,
       r.sum / nullif(r.count, 0) AS avg,
       r.min,
       r.max,
       r.last,
       r.count,
       r.sum,
       sr.id AS series_id
FROM (
  SELECT sr.id, sr.tenant_id, sr.agent_id, sr.metric, sr.labels, t.slug, t.name, a.hostname
  FROM series sr
  JOIN tenants t ON t.id = sr.tenant_id
  LEFT JOIN agents a ON a.id = sr.agent_id
  GROUP BY sr.id, t.id, a.id
) sr
CROSS JOIN LATERAL (
{{- if .timescaledb}}
  SELECT bucket, count, sum, min, max, last
  FROM samples_1m
  WHERE series_id = sr.id
  GROUP BY bucket, count, sum, min, max, last
{{- else}}
  -- Plain PostgreSQL: the rollup worker's rows below its watermark, the
  -- minutes above it from raw samples, as tsdb's reads and TimescaleDB's
  -- real-time aggregation do. The watermarks are read once per query.
  SELECT bucket, count, sum, min, max, last
  FROM samples_1m
  WHERE series_id = sr.id
    AND bucket < (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')
  UNION ALL
  SELECT date_bin(INTERVAL '1 minute', time, timestamptz '1970-01-01 00:00:00+00'),
         count(*), sum(value), min(value), max(value), (array_agg(value ORDER BY time DESC))[1]
  FROM samples
  WHERE series_id = sr.id
    AND time >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')
  GROUP BY 1
{{- end}}
) r;
COMMENT ON VIEW grafana.metrics_1m IS
  'One-minute rollups (time = bucket start; avg, min, max, last, count, sum) with tenant, agent, hostname, metric and labels';

CREATE VIEW grafana.metrics_1h AS
SELECT r.bucket AS time,
       sr.slug AS tenant,
       sr.name AS tenant_name,
       sr.tenant_id,
       sr.agent_id,
       sr.hostname,
       sr.metric,
       sr.labels,
       coalesce((SELECT string_agg(l.key || '=' || l.value::text, ', ' ORDER BY l.key)
                 FROM jsonb_each(sr.labels) AS l), '') AS labels_text,
       sr.metric || CASE WHEN sr.labels = '{}' THEN '' ELSE
         '{' || (SELECT string_agg(l.key || '=' || l.value::text, ', ' ORDER BY l.key)
                 FROM jsonb_each(sr.labels) AS l) || '}' END AS series,
       sr.labels ->> 'cpu' AS cpu,
       sr.labels ->> 'mode' AS mode,
       sr.labels ->> 'device' AS device,
       sr.labels ->> 'mountpoint' AS mountpoint,
       sr.labels ->> 'interface' AS interface,
       r.sum / nullif(r.count, 0) AS avg,
       r.min,
       r.max,
       r.last,
       r.count,
       r.sum,
       sr.id AS series_id
FROM (
  SELECT sr.id, sr.tenant_id, sr.agent_id, sr.metric, sr.labels, t.slug, t.name, a.hostname
  FROM series sr
  JOIN tenants t ON t.id = sr.tenant_id
  LEFT JOIN agents a ON a.id = sr.agent_id
  GROUP BY sr.id, t.id, a.id
) sr
CROSS JOIN LATERAL (
{{- if .timescaledb}}
  SELECT bucket, count, sum, min, max, last
  FROM samples_1h
  WHERE series_id = sr.id
  GROUP BY bucket, count, sum, min, max, last
{{- else}}
  -- Plain PostgreSQL: hours below the hourly watermark; above it, hours
  -- summed from rolled-up minutes and, above the minute watermark, from
  -- raw samples.
  SELECT bucket, count, sum, min, max, last
  FROM samples_1h
  WHERE series_id = sr.id
    AND bucket < (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
  UNION ALL
  SELECT date_bin(INTERVAL '1 hour', t, timestamptz '1970-01-01 00:00:00+00'),
         sum(count)::bigint, sum(sum), min(min), max(max), (array_agg(last ORDER BY t DESC))[1]
  FROM (
    SELECT bucket AS t, count, sum, min, max, last
    FROM samples_1m
    WHERE series_id = sr.id
      AND bucket >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
      AND bucket < (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')
    UNION ALL
    SELECT time, 1::bigint, value, value, value, value
    FROM samples
    WHERE series_id = sr.id
      AND time >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')
      AND time >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
  ) tail
  GROUP BY 1
{{- end}}
) r;
COMMENT ON VIEW grafana.metrics_1h IS
  'One-hour rollups (time = bucket start; avg, min, max, last, count, sum) with tenant, agent, hostname, metric and labels';

-- The fleet as the API lists it: deleted agents are left out, status is
-- derived at query time exactly as store.statusExpr does (online while
-- heard from within 3 heartbeat intervals). time = last heard from.
CREATE VIEW grafana.agents AS
SELECT a.last_seen_at AS time,
       t.slug AS tenant,
       t.name AS tenant_name,
       a.tenant_id,
       a.id AS agent_id,
       a.hostname,
       a.machine_id,
       a.os,
       a.arch,
       a.agent_version,
       CASE WHEN a.last_seen_at IS NULL THEN 'pending'
            WHEN a.last_seen_at >= now() - make_interval(secs => a.heartbeat_interval_s * 3) THEN 'online'
            ELSE 'offline' END AS status,
       a.heartbeat_interval_s,
       a.uptime_s,
       a.registered_at,
       a.last_seen_at
FROM agents a
JOIN tenants t ON t.id = a.tenant_id
WHERE a.deleted_at IS NULL;
COMMENT ON VIEW grafana.agents IS
  'Agents not deleted, with status pending/online/offline; time = last_seen_at';

-- Alerts, firing and resolved. time = started_at, time_end = resolved_at
-- (NULL while firing), the columns Grafana annotations and state timelines
-- want.
CREATE VIEW grafana.alerts AS
SELECT al.started_at AS time,
       al.resolved_at AS time_end,
       t.slug AS tenant,
       t.name AS tenant_name,
       al.tenant_id,
       al.id AS alert_id,
       al.agent_id,
       a.hostname,
       al.source,
       al.key,
       al.severity,
       al.summary,
       al.state,
       al.started_at,
       al.last_seen_at,
       al.resolved_at,
       al.resolve_note
FROM alerts al
JOIN tenants t ON t.id = al.tenant_id
LEFT JOIN agents a ON a.id = al.agent_id;
COMMENT ON VIEW grafana.alerts IS
  'Alerts with tenant and hostname; time = started_at, time_end = resolved_at';

-- The role. Roles belong to the server, not the database: several monsys
-- databases (tests, staging) may share one server and migrate at once, so
-- create it only when missing and tolerate losing that race. A hub whose
-- database user may not create roles still migrates: it warns, and an
-- administrator creates the role and runs the grants below (README).
-- NOLOGIN: give it a password and LOGIN, or log in as a member
-- (CREATE ROLE grafana LOGIN PASSWORD '…' IN ROLE monsys_grafana).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'monsys_grafana') THEN
    BEGIN
      CREATE ROLE monsys_grafana NOLOGIN;
      COMMENT ON ROLE monsys_grafana IS 'Grafana: SELECT on the views of schema grafana in monsys databases, nothing else';
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN
        NULL; -- another database of this server created it a moment ago
      WHEN insufficient_privilege THEN
        RAISE WARNING 'monsys: cannot create role monsys_grafana (%); Grafana will not be able to read this database until an administrator creates it and grants it USAGE on schema grafana and SELECT on its views (deploy/grafana/README.md)', SQLERRM;
        RETURN;
    END;
  END IF;
  GRANT USAGE ON SCHEMA grafana TO monsys_grafana;
  GRANT SELECT ON grafana.metrics, grafana.metrics_1m, grafana.metrics_1h, grafana.agents, grafana.alerts
    TO monsys_grafana;
END
$$;
