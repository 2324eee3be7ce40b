package fleet

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Sort is an overview's order: a column and a direction.
type Sort struct {
	Column string // one of SortColumns
	Desc   bool
}

// SortColumns are the columns an overview sorts by.
var SortColumns = []string{"hostname", "status", "last_seen", "os", "cpu", "memory", "disk"}

// ParseSort reads "column" or "-column" (descending); "" is by hostname.
func ParseSort(s string) (Sort, error) {
	if s == "" {
		return Sort{Column: "hostname"}, nil
	}
	out := Sort{Column: strings.TrimPrefix(s, "-"), Desc: strings.HasPrefix(s, "-")}
	if !slices.Contains(SortColumns, out.Column) {
		return Sort{}, fmt.Errorf("sort must be one of %s, with - before it for descending", strings.Join(SortColumns, ", "))
	}
	return out, nil
}

// String is the form ParseSort reads.
func (s Sort) String() string {
	if s.Desc {
		return "-" + s.Column
	}
	return s.Column
}

// statusRank orders statuses as an operator triages: the silent first.
var statusRank = map[string]int{"offline": 0, "pending": 1, "online": 2}

// sortItems orders items by s, then by hostname and id so that pages never
// overlap; missing values go last either way.
func sortItems(items []Item, s Sort) {
	slices.SortStableFunc(items, func(a, b Item) int {
		c := compareColumn(a, b, s.Column)
		if c == missingFirst || c == missingSecond {
			return c.sign() // missing values go last, whatever the direction
		}
		if s.Desc {
			c = -c
		}
		if c != 0 {
			return int(c)
		}
		if c := strings.Compare(a.Hostname, b.Hostname); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
}

// order is a comparison that may say one side has no value.
type order int

const (
	missingFirst  order = 2  // a has no value, b has: a after b
	missingSecond order = -2 // b has no value, a has: a before b
)

func (o order) sign() int {
	if o > 0 {
		return 1
	}
	return -1
}

func compareColumn(a, b Item, column string) order {
	switch column {
	case "status":
		return order(cmp.Compare(statusRank[a.Status], statusRank[b.Status]))
	case "last_seen":
		return comparePtr(a.LastSeenAt, b.LastSeenAt, func(x, y time.Time) int { return x.Compare(y) })
	case "os":
		return order(strings.Compare(a.OS, b.OS))
	case "cpu":
		return comparePtr(a.CPU, b.CPU, cmp.Compare[float64])
	case "memory":
		return comparePtr(a.Memory, b.Memory, cmp.Compare[float64])
	case "disk":
		return comparePtr(a.Disk, b.Disk, cmp.Compare[float64])
	}
	return order(strings.Compare(strings.ToLower(a.Hostname), strings.ToLower(b.Hostname)))
}

func comparePtr[T any](a, b *T, compare func(T, T) int) order {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return missingFirst
	case b == nil:
		return missingSecond
	}
	return order(compare(*a, *b))
}
