// Package query plans and answers metric reads: which tier to read (raw
// samples, samples_1m or samples_1h), at which step, over which aligned
// range, and within which limits; then it shapes the answer.
//
// # Planning (DESIGN.md §6)
//
// A step that is a whole number of hours reads samples_1h, a whole number
// of minutes samples_1m, anything else raw samples; rows are re-bucketed
// to the step by tsdb. interval=auto picks the smallest nice step (1s, 2s,
// 5s … 1h, 2h … 1d, 2d, 7d, then whole days) giving at most 300 buckets,
// and moves to a coarser tier when the finer one's retention no longer
// reaches back to from. from is rounded down and to up to whole steps,
// aligned on the Unix epoch, so a bucket is never cut and every tier
// answers the same; the answer reports the aligned range.
//
// An answer read from samples_1m or samples_1h carries Pending: the span
// of its range in which its series have late samples stored but not yet
// rolled up again (tsdb.Reader.Pending, one more statement per answer).
// Raw answers never do.
//
// # Limits
//
// Over a limit the answer is an *Error with TooLarge set (the API answers
// 400), decided before any sample is read: 11 000 points per series,
// 1 000 000 points per answer, 1000 series per answer, 20 000 series read
// to evaluate matchers, raw samples over at most 7 days, ranges of at most
// 5 years.
//
// # Selection
//
// metric= (repeatable) names metrics, any of which is selected; match=
// (repeatable) is a Prometheus label selector, {cpu="0",mode=~"user|system"}
// (see ParseSelector), every matcher of every match= must hold. Matchers
// are evaluated here, with Go's RE2 regular expressions (linear time),
// never as SQL regular expressions.
//
// # Aggregations and rates
//
// agg=avg|min|max|last|sum combine a bucket's samples (avg is sum/count
// over the bucket, exact across tiers). fn=rate, for counters (names
// ending in _total), is the per-second increase between the last values of
// consecutive non-empty buckets, a decrease counting as a reset to zero.
//
// # Top, lines and names
//
// Top aggregates each series of one metric over the whole range (hours for
// ranges of 6 h or more, minutes from 10 min, raw samples below; widened
// to whole buckets) and ranks agents by their highest series. Lines reads
// one metric of many agents at one step, planned as Range plans, in one
// read (the fleet page's sparklines; an agent counts with its first series
// by id). Names lists metric names with their label keys and series
// counts.
//
// # Concurrency
//
// A Service is safe for concurrent use and holds no state between calls
// but its turnstile: at most MaxInFlight (16) queries read storage at
// once, a query waits at most QueueWait (1 s) for a turn and then fails
// with ErrBusy (the API answers 503 with Retry-After), and each query's
// reads end after Timeout (30 s).
package query
