-- timescaledb, tier 1h, buckets: composed by tsdb.NewReader; regenerate with -update

-- agg=avg
SELECT r.series_id, time_bucket($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), sum(r.sum) / sum(r.count::float8)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1, 2;

-- agg=min
SELECT r.series_id, time_bucket($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), min(r.min)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1, 2;

-- agg=max
SELECT r.series_id, time_bucket($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), max(r.max)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1, 2;

-- agg=last
SELECT r.series_id, time_bucket($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), last(r.last, r.t)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1, 2;

-- agg=sum
SELECT r.series_id, time_bucket($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), sum(r.sum)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1, 2;
