package output

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Age says how long ago t was, in its largest whole unit: "45s ago",
// "3m ago", "5h ago", "12d ago"; "never" for nil. A time ahead of now (a
// clock skewed against the hub's) counts as just now.
func Age(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	return Duration(now.Sub(*t)) + " ago"
}

// Duration is d in its largest whole unit: 45s, 3m, 5h, 12d.
func Duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return "0s"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// Timestamp is t in UTC, to the second, as RFC 3339; "-" when zero.
func Timestamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// Value formats a metric's value by the unit its name ends in (Prometheus
// naming): _ratio as a percentage, _bytes in binary multiples, _seconds as
// seconds; other values with four significant digits and k, M, G, T past
// ten thousand.
func Value(metric string, v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case strings.HasSuffix(metric, "_ratio"):
		return number(v*100) + "%"
	case strings.HasSuffix(metric, "_bytes"):
		return bytesIEC(v)
	case strings.HasSuffix(metric, "_seconds"):
		return number(v) + "s"
	}
	return number(v)
}

// number is v with four significant digits, and a decimal multiple past
// ten thousand.
func number(v float64) string {
	abs := math.Abs(v)
	for _, m := range []struct {
		size   float64
		suffix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if abs >= m.size && abs >= 1e4 {
			return strconv.FormatFloat(v/m.size, 'g', 4, 64) + m.suffix
		}
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func bytesIEC(v float64) string {
	abs := math.Abs(v)
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for abs >= 1024 && i < len(units)-1 {
		abs /= 1024
		v /= 1024
		i++
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + units[i]
}
