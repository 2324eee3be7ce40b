-- timescaledb, tier 1h, aligned: composed by tsdb.NewReader; regenerate with -update

-- agg=avg
SELECT series_id, bucket, sum / count::float8
FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3;

-- agg=min
SELECT series_id, bucket, min
FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3;

-- agg=max
SELECT series_id, bucket, max
FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3;

-- agg=last
SELECT series_id, bucket, last
FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3;

-- agg=sum
SELECT series_id, bucket, sum
FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3;
