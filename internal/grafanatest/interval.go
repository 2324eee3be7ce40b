package grafanatest

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// dateUnit matches the interval units time.ParseDuration lacks.
var dateUnit = regexp.MustCompile(`^(\d+)([dwMy])$`)

// ParseInterval reads an interval the way Grafana's gtime.ParseInterval
// does: Go durations ("90s", "1h30m", "500ms") plus whole days, weeks,
// months and years ("7d", "2w", "1M", "1y") counted back on the calendar
// from now (in UTC here, as on a Grafana server running in UTC), so "1M"
// is 28 to 31 days.
func ParseInterval(s string) (time.Duration, error) {
	m := dateUnit.FindStringSubmatch(s)
	if m == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("parse interval %q: %w", s, err)
		}
		return d, nil
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, fmt.Errorf("parse interval %q: %w", s, err)
	}
	now := time.Now().UTC()
	switch m[2] {
	case "d":
		return now.Sub(now.AddDate(0, 0, -n)), nil
	case "w":
		return now.Sub(now.AddDate(0, 0, -7*n)), nil
	case "M":
		return now.Sub(now.AddDate(0, -n, 0)), nil
	default: // "y"
		return now.Sub(now.AddDate(-n, 0, 0)), nil
	}
}

// FormatInterval writes d in the largest whole unit below it, truncating,
// as gtime.FormatInterval does for $__interval: 90s is "1m", 36h is "1d".
func FormatInterval(d time.Duration) string {
	const day = 24 * time.Hour
	const year = 365 * day
	switch {
	case d >= year:
		return fmt.Sprintf("%dy", d/year)
	case d >= day:
		return fmt.Sprintf("%dd", d/day)
	case d >= time.Hour:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d >= time.Second:
		return fmt.Sprintf("%ds", d/time.Second)
	case d >= time.Millisecond:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
	return "1ms"
}
