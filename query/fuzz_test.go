package query

import (
	"net/url"
	"testing"
	"time"
	"unicode/utf8"
)

// The query parameters are untrusted input: none of the parsers may panic,
// and whatever they accept must be within their documented bounds.

func FuzzParseInterval(f *testing.F) {
	for _, s := range []string{"auto", "10s", "1h30m", "366d", "0s", "999999999d", "1m1m1m1m1m", "", "5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseInterval(s)
		if err != nil {
			return
		}
		if s == "auto" {
			return
		}
		if d < time.Second || d > MaxInterval || d%time.Second != 0 {
			t.Fatalf("ParseInterval(%q) = %v: outside 1s..366d or not whole seconds", s, d)
		}
		if back, err := ParseInterval(FormatInterval(d)); err != nil || back != d {
			t.Fatalf("ParseInterval(FormatInterval(%v)) = %v, %v", d, back, err)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"now", "now-6h", "1795680000", "1795680000.25", "2026-11-27T06:00:00Z", "2026-11-27T07:00:00.123+01:00", "now-", "99999999999.999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 27, 6, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime("from", s, now)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Param != "from" || !utf8.ValidString(e.Param) {
				t.Fatalf("ParseTime(%q): %v is not an *Error naming from", s, err)
			}
			return
		}
		if got.Before(minTime) || !got.Before(maxTime) || got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v: outside 1970..2200 or not UTC", s, got)
		}
	})
}

func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{`{cpu="0"}`, `cpu="0",mode=~"user|system"`, `m{a!~'x\'y',b!="\u00e9"}`, `{`, `{a="`, `{a=~"(?i)x{2,3}"}`, `m`, `{a="\\"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseSelector(s)
		if err != nil {
			return
		}
		if len(ms) == 0 || len(ms) > maxMatchers+1 {
			t.Fatalf("ParseSelector(%q) gave %d matchers", s, len(ms))
		}
		// What was accepted writes back to a selector meaning the same.
		text := "{"
		for i, m := range ms {
			if len(m.Value) > maxValueLen || !isLabelName(m.Name) {
				t.Fatalf("ParseSelector(%q) accepted %+v", s, m)
			}
			if i > 0 {
				text += ","
			}
			text += m.String()
		}
		again, err := ParseSelector(text + "}")
		if err != nil || len(again) != len(ms) {
			t.Fatalf("%q parsed, but its rewrite %q gives %v, %v", s, text+"}", again, err)
		}
		for i := range ms {
			if again[i].Name != ms[i].Name || again[i].Op != ms[i].Op || again[i].Value != ms[i].Value {
				t.Fatalf("%q: matcher %d is %+v, rewritten %+v", s, i, ms[i], again[i])
			}
			ms[i].Matches(s) // must not panic
		}
	})
}

func FuzzParseRangeRequest(f *testing.F) {
	for _, s := range []string{"interval=5m&from=now-6h&metric=cpu&match=%7Bcpu%3D%220%22%7D&agg=max", "fn=rate&agg=last", "to=0&from=1", "agg=&fn=", "metric=a:b&metric=_x"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 27, 6, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r, err := ParseRangeRequest(v, now)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ParseRangeRequest(%q): %v is not an *Error", raw, err)
			}
			return
		}
		if r.Agg == "" || (r.Rate && r.Agg != "last") || len(r.Metrics) > maxMetricParams {
			t.Fatalf("ParseRangeRequest(%q) = %+v", raw, r)
		}
		if _, err := PlanRange(r.From, r.To, r.Step, DefaultLimits(), defaultRetention(), now); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("PlanRange for %q: %v is not an *Error", raw, err)
			}
		}
		if _, err := ParseTopRequest(v, now); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ParseTopRequest(%q): %v is not an *Error", raw, err)
			}
		}
	})
}
