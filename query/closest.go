package query

import (
	"slices"
	"strings"
)

// maxClosest is how many names Closest suggests.
const maxClosest = 3

// Closest picks from known the names nearest to name, nearest first (at
// most three): names that contain it or that it contains (cpu_usage →
// cpu_usage_ratio), then names a few edits away (Levenshtein distance at
// most a third of the name, and at least 2). None when nothing is near.
func Closest(name string, known []string) []string {
	type scored struct {
		name  string
		score int
	}
	limit := max(2, len(name)/3)
	var near []scored
	for _, k := range known {
		if k == name {
			continue
		}
		switch {
		case strings.Contains(k, name) || strings.Contains(name, k):
			near = append(near, scored{k, abs(len(k) - len(name))})
		default:
			if d := editDistance(name, k); d <= limit {
				near = append(near, scored{k, 100 + d})
			}
		}
	}
	slices.SortStableFunc(near, func(a, b scored) int {
		if a.score != b.score {
			return a.score - b.score
		}
		return strings.Compare(a.name, b.name)
	})
	out := make([]string, 0, maxClosest)
	for _, s := range near[:min(len(near), maxClosest)] {
		out = append(out, s.name)
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// editDistance is the Levenshtein distance of a and b, in bytes (metric
// names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
