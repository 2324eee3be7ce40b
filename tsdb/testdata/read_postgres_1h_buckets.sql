-- postgres, tier 1h, buckets: composed by tsdb.NewReader; regenerate with -update

-- agg=avg
SELECT r.series_id, date_bin($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), sum(r.sum) / sum(r.count::float8)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket < (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h_open
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3 AND time >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')) r
GROUP BY 1, 2;

-- agg=min
SELECT r.series_id, date_bin($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), min(r.min)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket < (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h_open
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3 AND time >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')) r
GROUP BY 1, 2;

-- agg=max
SELECT r.series_id, date_bin($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), max(r.max)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket < (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h_open
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3 AND time >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')) r
GROUP BY 1, 2;

-- agg=last
SELECT r.series_id, date_bin($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), (array_agg(r.last ORDER BY r.t DESC))[1]
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket < (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h_open
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3 AND time >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')) r
GROUP BY 1, 2;

-- agg=sum
SELECT r.series_id, date_bin($4::bigint * INTERVAL '1 second', r.t, timestamptz '1970-01-01 00:00:00+00'), sum(r.sum)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket < (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1h_open
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')
UNION ALL
SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3 AND time >= (SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')) r
GROUP BY 1, 2;
