package governance

import (
	"testing"
	"time"
)

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWeeklyWindowActive: a window past midnight belongs to its start day
// and runs into the next morning, in its own time zone.
func TestWeeklyWindowActive(t *testing.T) {
	w := Window{Type: Weekly, Days: []string{"sun"}, Start: "23:00", End: "02:00", TimeZone: "Europe/Berlin"}
	if errs := w.validate("w"); len(errs) > 0 {
		t.Fatal(errs)
	}
	// 2026-11-29 is a Sunday; Berlin is UTC+1 in November.
	cases := map[string]bool{
		"2026-11-29T21:59:00Z": false, // Sun 22:59 Berlin
		"2026-11-29T22:00:00Z": true,  // Sun 23:00
		"2026-11-30T00:30:00Z": true,  // Mon 01:30, the morning after
		"2026-11-30T01:00:00Z": false, // Mon 02:00: the end is exclusive
		"2026-11-30T22:30:00Z": false, // Mon 23:30: not a listed day
		"2026-11-29T00:30:00Z": false, // Sun 01:30: the morning after Saturday
	}
	for s, want := range cases {
		if got := w.Active(at(t, s)); got != want {
			t.Errorf("%s: active %v, want %v", s, got, want)
		}
	}
	day := Window{Type: Weekly, Days: []string{"mon", "tue"}, Start: "09:00", End: "17:00", TimeZone: "UTC"}
	if !day.Active(at(t, "2026-11-30T09:00:00Z")) || day.Active(at(t, "2026-11-30T17:00:00Z")) || day.Active(at(t, "2026-12-02T10:00:00Z")) {
		t.Error("same-day window boundaries are wrong")
	}
}

func TestOnceWindowActive(t *testing.T) {
	from, to := at(t, "2026-11-27T10:00:00Z"), at(t, "2026-11-27T12:00:00Z")
	r := Record{MaintenanceWindows: []Window{{Type: Once, StartsAt: &from, EndsAt: &to}}}
	if errs := r.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	if !r.InMaintenance(from) || r.InMaintenance(to) || r.InMaintenance(from.Add(-time.Second)) {
		t.Error("one-off window boundaries are wrong")
	}
}

func TestValidateRecord(t *testing.T) {
	long := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	later := long.Add(40 * 24 * time.Hour)
	r := Record{Environment: "prod", Tags: []string{"ok", "NOT OK"}, MaintenanceWindows: []Window{
		{Type: Once, StartsAt: &long, EndsAt: &later},
		{Type: Weekly, Days: []string{"sun"}, Start: "7:00", End: "08:00", TimeZone: "Local"},
	}}
	fields := map[string]bool{}
	for _, e := range r.Validate() {
		fields[e.Field] = true
	}
	for _, f := range []string{"environment", "tags[1]", "maintenance_windows[0].ends_at", "maintenance_windows[1].start", "maintenance_windows[1].time_zone"} {
		if !fields[f] {
			t.Errorf("no error for %s (got %v)", f, fields)
		}
	}
	ok := Record{Tags: []string{"b", "a", "b"}}
	if errs := ok.Validate(); len(errs) > 0 || len(ok.Tags) != 2 || ok.Tags[0] != "a" || ok.MaintenanceWindows == nil {
		t.Errorf("normalized %+v, errors %v", ok, errs)
	}
}
