package tsdb

import "sort"

// Reads leave ordering to Go. The statements carry no ORDER BY: the
// rollup rows come out of the (series_id, bucket) index in key order
// already, but with the tail appended to them PostgreSQL sorted all the
// rows again. Measured on a 30-day read at 1h (20 series, 14 400 rows,
// 100 agents × 20 series loaded): 17.8 ms of execution with the sort,
// 6 ms without. Here the rows are checked in one pass and sorted only
// when a tail broke the order.

// sortFrom orders p's points from index i on by series id, then time.
func (p *Points) sortFrom(i int) {
	tail := pointsFrom{p, i}
	if !sort.IsSorted(tail) {
		sort.Sort(tail)
	}
}

// pointsFrom is p's points from index off on, as a sort.Interface.
type pointsFrom struct {
	p   *Points
	off int
}

func (s pointsFrom) Len() int { return s.p.Len() - s.off }

func (s pointsFrom) Less(a, b int) bool {
	a, b = a+s.off, b+s.off
	if s.p.SeriesIDs[a] != s.p.SeriesIDs[b] {
		return s.p.SeriesIDs[a] < s.p.SeriesIDs[b]
	}
	return s.p.TimesMs[a] < s.p.TimesMs[b]
}

func (s pointsFrom) Swap(a, b int) {
	a, b = a+s.off, b+s.off
	p := s.p
	p.SeriesIDs[a], p.SeriesIDs[b] = p.SeriesIDs[b], p.SeriesIDs[a]
	p.TimesMs[a], p.TimesMs[b] = p.TimesMs[b], p.TimesMs[a]
	p.Values[a], p.Values[b] = p.Values[b], p.Values[a]
}
