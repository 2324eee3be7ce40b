package query

// rateOf turns each bucket's last value into a per-second rate, in place:
// the increase from the previous non-empty bucket's last value, divided by
// the time between the two buckets. A decrease is a counter reset: the
// counter restarted from zero, so the increase is the new value. A bucket
// with no predecessor gives no point, buckets before fromMs only serve as
// predecessors (the query reads one bucket more for the first one), and a
// bucket that ends after openMs (still open when the query ran) gives no
// point: its last value is not its end's, and the rate would dip.
//
// Resets are seen at bucket granularity: a counter that restarts and
// climbs past its old value within one bucket looks like no reset, as with
// Prometheus's rate over a scrape interval.
func rateOf(p []Point, fromMs, stepMs, openMs int64) []Point {
	out := p[:0]
	for i := 1; i < len(p); i++ {
		prev, cur := p[i-1], p[i]
		if cur.TimeMs < fromMs || cur.TimeMs+stepMs > openMs {
			continue
		}
		inc := cur.Value - prev.Value
		if inc < 0 {
			inc = cur.Value
		}
		out = append(out, Point{TimeMs: cur.TimeMs, Value: inc / (float64(cur.TimeMs-prev.TimeMs) / 1000)})
	}
	return out
}
