package query

import (
	"strings"
	"testing"
	"time"
)

func TestParseInterval(t *testing.T) {
	good := map[string]time.Duration{
		"auto": 0, "1s": time.Second, "10s": 10 * time.Second, "1m": time.Minute, "5m": 5 * time.Minute,
		"1h": time.Hour, "1h30m": 90 * time.Minute, "1d": 24 * time.Hour, "2d12h": 60 * time.Hour,
		"90s": 90 * time.Second, "366d": MaxInterval, "1m1s": 61 * time.Second,
	}
	for s, want := range good {
		if got, err := ParseInterval(s); err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0s", "1", "s", "1x", "-1m", "1.5h", "1ms", "367d", "1w", "1h ", " 1h", "AUTO",
		"9999999999s", "1s1s1s1s1s", "1m-", "1e3s"} {
		if d, err := ParseInterval(s); err == nil {
			t.Errorf("ParseInterval(%q) = %v, want an error", s, d)
		} else if e, ok := err.(*Error); !ok || e.Param != "interval" {
			t.Errorf("ParseInterval(%q): %v, want an *Error about interval", s, err)
		}
	}
}

func TestFormatIntervalRoundTrips(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second: "1s", 90 * time.Second: "90s", 5 * time.Minute: "5m", 90 * time.Minute: "90m",
		time.Hour: "1h", 36 * time.Hour: "36h", 48 * time.Hour: "2d",
	} {
		got := FormatInterval(d)
		back, err := ParseInterval(got)
		if got != want || err != nil || back != d {
			t.Errorf("FormatInterval(%v) = %q (back %v, %v), want %q", d, got, back, err, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 27, 6, 30, 0, 0, time.UTC)
	good := map[string]time.Time{
		"now":                       now,
		"now-6h":                    now.Add(-6 * time.Hour),
		"now-400d":                  now.AddDate(0, 0, -400),
		"1795680000":                time.Unix(1795680000, 0).UTC(),
		"1795680000.25":             time.Unix(1795680000, 250_000_000).UTC(),
		"0":                         time.Unix(0, 0).UTC(),
		"1795680000250":             time.UnixMilli(1795680000250).UTC(),
		"100000000000":              time.UnixMilli(100000000000).UTC(),
		"2026-11-27T06:00:00Z":      time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC),
		"2026-11-27T07:00:00+01:00": time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC),
		"2026-11-27T06:00:00.5Z":    time.Date(2026, 11, 27, 6, 0, 0, 500_000_000, time.UTC),
	}
	for s, want := range good {
		got, err := ParseTime("from", s, now)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v UTC", s, got, err, want)
		}
	}
	for _, s := range []string{"", "yesterday", "now+1h", "now-", "now-1x", "17956800000000", "1795680000000.5", "1795680000.", "1795680000.1234567890",
		"-1", "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "2026-11-27", "2026-11-27 06:00:00", "1795680000.+5", "now-99999d"} {
		if got, err := ParseTime("to", s, now); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", s, got)
		} else if e, ok := err.(*Error); !ok || e.Param != "to" {
			t.Errorf("ParseTime(%q): %v, want an *Error about to", s, err)
		}
	}
}

// TestParseTimeNamesTheForms: a from or to that is not a time says which
// forms are.
func TestParseTimeNamesTheForms(t *testing.T) {
	for _, s := range []string{"yesterday", "now-1x", "17956800000000", "2026-11-27 06:00"} {
		_, err := ParseTime("from", s, time.Now())
		if err == nil {
			t.Fatalf("ParseTime(%q) accepted it", s)
		}
		for _, form := range []string{"now-6h", "RFC 3339", "Unix seconds", "Unix milliseconds"} {
			if !strings.Contains(err.Error(), form) {
				t.Errorf("ParseTime(%q): %q does not name %s", s, err, form)
			}
		}
	}
}
