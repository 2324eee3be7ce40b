-- timescaledb, tier raw, totals: composed by tsdb.NewReader; regenerate with -update

-- agg=avg
SELECT r.series_id, sum(r.sum) / sum(r.count::float8)
FROM (SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3) r
GROUP BY 1;

-- agg=min
SELECT r.series_id, min(r.min)
FROM (SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3) r
GROUP BY 1;

-- agg=max
SELECT r.series_id, max(r.max)
FROM (SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3) r
GROUP BY 1;

-- agg=last
SELECT r.series_id, last(r.last, r.t)
FROM (SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3) r
GROUP BY 1;

-- agg=sum
SELECT r.series_id, sum(r.sum)
FROM (SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3) r
GROUP BY 1;
