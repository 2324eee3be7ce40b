-- timescaledb, tier 1m, totals: composed by tsdb.NewReader; regenerate with -update

-- agg=avg
SELECT r.series_id, sum(r.sum) / sum(r.count::float8)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1m WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1;

-- agg=min
SELECT r.series_id, min(r.min)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1m WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1;

-- agg=max
SELECT r.series_id, max(r.max)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1m WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1;

-- agg=last
SELECT r.series_id, last(r.last, r.t)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1m WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1;

-- agg=sum
SELECT r.series_id, sum(r.sum)
FROM (SELECT series_id, bucket AS t, count, sum, min, max, last FROM samples_1m WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3) r
GROUP BY 1;
