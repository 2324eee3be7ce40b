package tsdb

// When a read's step is its tier's width (1m from samples_1m, 1h from
// samples_1h), the tier's rows already are the answer's buckets: they pass
// through without the outer re-bucketing, and on plain PostgreSQL only the
// un-rolled tail above the watermark is grouped. The watermarks are
// aligned on the tier's width, so a rolled-up bucket never meets tail rows.
// Measured on a 30-day read at 1h (20 series, 14 360 buckets), the outer
// sort and aggregation were half of the statement's time.

// rowAggSQL is agg a over one rollup row: what the outer aggregation
// gives for a bucket made of that row alone.
func rowAggSQL(a Agg) string {
	switch a {
	case AggSum:
		return `sum`
	case AggMin:
		return `min`
	case AggMax:
		return `max`
	case AggLast:
		return `last`
	}
	return `sum / count::float8`
}

// Rows of a tier below its watermark (plain PostgreSQL), or all of them
// (TimescaleDB, where real-time aggregation adds the tail).
const (
	pgMinuteRowsSQL = `FROM samples_1m WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket < ` + minuteWatermarkSQL
	pgHourRowsSQL   = `FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3 AND bucket < ` + hourWatermarkSQL
	tsMinuteRowsSQL = `FROM samples_1m WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3`
	tsHourRowsSQL   = `FROM samples_1h WHERE series_id = ANY($1) AND bucket >= $2 AND bucket < $3`

	// The tails above the watermarks, as rollup-shaped rows.
	pgMinuteTailSQL = rawRowsSQL + ` AND time >= ` + minuteWatermarkSQL
	pgHourTailSQL   = openHourRowsSQL + `
UNION ALL
` + pgMinuteTailSQL
)

// alignedSQL reads tier t (1m or 1h) at its own width with agg a. On
// TimescaleDB the statement takes $1–$3; on PostgreSQL also $4, the step
// in seconds, for the tail's buckets.
func alignedSQL(d Dialect, t Tier, a Agg) string {
	rows, tail := pgMinuteRowsSQL, pgMinuteTailSQL
	switch {
	case d == TimescaleDB && t == Tier1m:
		rows, tail = tsMinuteRowsSQL, ""
	case d == TimescaleDB:
		rows, tail = tsHourRowsSQL, ""
	case t == Tier1h:
		rows, tail = pgHourRowsSQL, pgHourTailSQL
	}
	stmt := `SELECT series_id, bucket, ` + rowAggSQL(a) + "\n" + rows
	if tail != "" {
		stmt += "\nUNION ALL\nSELECT r.series_id, " + bucketSQL(d) + `, ` + aggSQL(d, a) + "\nFROM (" + tail + ") r\nGROUP BY 1, 2"
	}
	return stmt
}
