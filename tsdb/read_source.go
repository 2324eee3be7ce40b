package tsdb

// The read path composes one statement from constant fragments: a source
// that yields rollup-shaped rows (series_id, t, count, sum, min, max, last)
// for the series $1 over [$2, $3), and an outer aggregation over them.
// A raw sample is a rollup row of one sample, so every tier reads through
// the same outer expressions and gives the same answer.

// rawRowsSQL is raw samples as one-sample rollup rows; the extra bounds are
// appended by the caller.
const rawRowsSQL = `SELECT series_id, time AS t, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last
FROM samples WHERE series_id = ANY($1) AND time >= $2 AND time < $3`

// rollupColumns are the columns every rollup source yields.
const rollupColumns = `SELECT series_id, bucket AS t, count, sum, min, max, last`

// Plain PostgreSQL: the rollup tables hold buckets below their watermark;
// what is above comes from raw samples, and for the hourly tier first from
// the open hour (samples_1h_open), read at query time. Both
// watermarks are read by the same statement, so one answer sees one
// consistent state of the worker's transactions.
const (
	minuteWatermarkSQL = `(SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1m')`
	hourWatermarkSQL   = `(SELECT coalesce(max(watermark), '-infinity') FROM rollup_watermarks WHERE tier = '1h')`

	pgMinuteSourceSQL = rollupColumns + ` FROM samples_1m
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket < ` + minuteWatermarkSQL + `
UNION ALL
` + rawRowsSQL + ` AND time >= ` + minuteWatermarkSQL

	pgHourSourceSQL = rollupColumns + ` FROM samples_1h
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket < ` + hourWatermarkSQL + `
UNION ALL
` + openHourRowsSQL + `
UNION ALL
` + rawRowsSQL + ` AND time >= ` + minuteWatermarkSQL

	// openHourRowsSQL is the settled part of the hour the watermarks are
	// in, one row a series (samples_1h_open, kept by Rollup).
	openHourRowsSQL = rollupColumns + ` FROM samples_1h_open
WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket >= ` + hourWatermarkSQL
)

// TimescaleDB: continuous aggregates with real-time aggregation already
// add the un-materialized tail.
const (
	tsMinuteSourceSQL = rollupColumns + ` FROM samples_1m WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3`
	tsHourSourceSQL   = rollupColumns + ` FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3`
)

// sourceSQL is the rows of tier t on dialect d.
func sourceSQL(d Dialect, t Tier) string {
	switch {
	case t == Tier1m && d == TimescaleDB:
		return tsMinuteSourceSQL
	case t == Tier1h && d == TimescaleDB:
		return tsHourSourceSQL
	case t == Tier1m:
		return pgMinuteSourceSQL
	case t == Tier1h:
		return pgHourSourceSQL
	}
	return rawRowsSQL
}

// Outer aggregations over source rows r.
const (
	// Counts are summed as float8: exact below 2^53, and sum(bigint)
	// would accumulate in numeric.
	aggAvgSQL    = `sum(r.sum) / sum(r.count::float8)`
	aggSumSQL    = `sum(r.sum)`
	aggMinSQL    = `min(r.min)`
	aggMaxSQL    = `max(r.max)`
	aggLastPGSQL = `(array_agg(r.last ORDER BY r.t DESC))[1]`
	aggLastTSSQL = `last(r.last, r.t)`
)

func aggSQL(d Dialect, a Agg) string {
	switch a {
	case AggSum:
		return aggSumSQL
	case AggMin:
		return aggMinSQL
	case AggMax:
		return aggMaxSQL
	case AggLast:
		if d == TimescaleDB {
			return aggLastTSSQL
		}
		return aggLastPGSQL
	}
	return aggAvgSQL
}

// bucketSQL re-buckets r.t into buckets of $4 seconds from the epoch:
// time_bucket on TimescaleDB, date_bin on PostgreSQL (the same buckets).
func bucketSQL(d Dialect) string {
	if d == TimescaleDB {
		return `time_bucket($4::bigint * INTERVAL '1 second', r.t, ` + epochSQL + `)`
	}
	return `date_bin($4::bigint * INTERVAL '1 second', r.t, ` + epochSQL + `)`
}
