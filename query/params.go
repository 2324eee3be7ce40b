package query

import (
	"strconv"
	"strings"
	"time"
)

// Bounds of what ParseInterval and ParseTime accept.
const (
	MaxInterval = 366 * 24 * time.Hour
	day         = 24 * time.Hour
)

var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ParseInterval reads a bucket width: "auto" (returned as 0), or one or
// more groups of digits and a unit s, m, h or d ("10s", "5m", "1h30m",
// "1d"). The width is whole seconds, from 1s to 366d.
func ParseInterval(s string) (time.Duration, error) {
	if s == "auto" {
		return 0, nil
	}
	d, err := parseDuration(s, MaxInterval)
	if err != nil {
		return 0, invalidf("interval", "%q is not an interval: %s (e.g. 10s, 1m, 5m, 1h, 1d or auto)", clip(s), err.Message)
	}
	return d, nil
}

// parseDuration reads up to four digits-and-unit groups and adds them;
// the sum is from 1s to limit.
func parseDuration(s string, limit time.Duration) (time.Duration, *Error) {
	if s == "" {
		return 0, &Error{Message: "it is empty"}
	}
	var secs int64
	groups := 0
	for s != "" {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n > 9 || n == len(s) {
			return 0, &Error{Message: "want digits (at most 9) followed by a unit s, m, h or d"}
		}
		v, _ := strconv.ParseInt(s[:n], 10, 64) // 1 to 9 digits: always fits
		unit := unitSeconds(s[n])
		if unit == 0 {
			return 0, &Error{Message: "unknown unit " + strconv.QuoteRune(rune(s[n])) + ": use s, m, h or d"}
		}
		secs += v * unit
		s = s[n+1:]
		if groups++; groups > 4 {
			return 0, &Error{Message: "too many groups"}
		}
	}
	if secs < 1 || secs > int64(limit/time.Second) {
		return 0, &Error{Message: "want 1s to " + FormatInterval(limit)}
	}
	return time.Duration(secs) * time.Second, nil
}

func unitSeconds(b byte) int64 {
	switch b {
	case 's':
		return 1
	case 'm':
		return 60
	case 'h':
		return 3600
	case 'd':
		return 86400
	}
	return 0
}

// FormatInterval writes d in the largest unit that divides it: 1d, 36h,
// 90m, 10s. ParseInterval reads it back.
func FormatInterval(d time.Duration) string {
	switch {
	case d <= 0:
		return "auto"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// timeForms names what ParseTime accepts, for its error messages.
const timeForms = "use now, now-<duration> (now-6h, now-7d), RFC 3339 (2026-11-27T06:00:00Z), Unix seconds (1795680000) or Unix milliseconds (1795680000000)"

// ParseTime reads a from or to: RFC 3339 ("2026-11-27T06:00:00Z"), Unix
// seconds with an optional fraction ("1795680000", "1795680000.25"; up to
// 11 digits), Unix milliseconds (12 or 13 digits, "1795680000000": no
// date from 1970 to 2200 has that many digits in seconds), "now", or
// "now-" and a duration ("now-6h"). It answers UTC times from 1970 to
// 2200; an error names the accepted forms.
func ParseTime(param, s string, now time.Time) (time.Time, error) {
	var t time.Time
	switch {
	case s == "now":
		t = now
	case strings.HasPrefix(s, "now-"):
		d, err := parseDuration(s[4:], maxTime.Sub(minTime))
		if err != nil {
			return t, invalidf(param, "%q: the duration after now-: %s; %s", clip(s), err.Message, timeForms)
		}
		t = now.Add(-d)
	case s != "" && (s[0] >= '0' && s[0] <= '9') && !strings.ContainsAny(s, "-:T"):
		var ok bool
		if t, ok = parseUnix(s); !ok {
			return t, invalidf(param, "%q is neither Unix seconds nor Unix milliseconds; %s", clip(s), timeForms)
		}
	default:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return t, invalidf(param, "%q is not a time; %s", clip(s), timeForms)
		}
	}
	t = t.UTC()
	if t.Before(minTime) || !t.Before(maxTime) {
		return t, invalidf(param, "%q is outside 1970 to 2200", clip(s))
	}
	return t, nil
}

// parseUnix reads seconds with an optional fraction of up to 9 digits,
// or whole milliseconds of 12 or 13 digits.
func parseUnix(s string) (time.Time, bool) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if !hasFrac && (len(whole) == 12 || len(whole) == 13) {
		ms, err := strconv.ParseInt(whole, 10, 64)
		return time.UnixMilli(ms), err == nil
	}
	if len(whole) == 0 || len(whole) > 11 || len(frac) > 9 || (hasFrac && frac == "") {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var ns int64
	if hasFrac {
		n, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || frac[0] == '+' || frac[0] == '-' {
			return time.Time{}, false
		}
		for range 9 - len(frac) {
			n *= 10
		}
		ns = n
	}
	return time.Unix(sec, ns), true
}

// clip keeps a quoted parameter in an error message short.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
