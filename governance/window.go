package governance

import (
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // time zones resolve on hosts without a zoneinfo database
)

// Window kinds.
const (
	Weekly = "weekly"
	Once   = "once"
)

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Window is one maintenance window. Weekly: Days, Start and End ("HH:MM",
// local) in TimeZone. Once: StartsAt and EndsAt.
type Window struct {
	Type     string     `json:"type"`
	Days     []string   `json:"days,omitempty"`      // weekly: sun … sat
	Start    string     `json:"start,omitempty"`     // weekly: HH:MM
	End      string     `json:"end,omitempty"`       // weekly: HH:MM; at or before Start runs past midnight
	TimeZone string     `json:"time_zone,omitempty"` // weekly: IANA name, e.g. Europe/Berlin
	StartsAt *time.Time `json:"starts_at,omitempty"` // once
	EndsAt   *time.Time `json:"ends_at,omitempty"`   // once
	Comment  string     `json:"comment,omitempty"`
}

// maxOnce bounds a one-off window: longer silences are a policy, not a
// maintenance.
const maxOnce = 31 * 24 * time.Hour

func (w *Window) validate(field string) []FieldError {
	var errs []FieldError
	add := func(sub, format string, args ...any) {
		errs = append(errs, FieldError{Field: field + sub, Message: fmt.Sprintf(format, args...)})
	}
	if len(w.Comment) > 200 {
		add(".comment", "at most 200 bytes")
	}
	switch w.Type {
	case Weekly:
		if w.StartsAt != nil || w.EndsAt != nil {
			add("", "a weekly window has days, start, end and time_zone, not starts_at/ends_at")
		}
		if len(w.Days) == 0 || len(w.Days) > 7 {
			add(".days", "list 1 to 7 weekdays (sun, mon, tue, wed, thu, fri, sat)")
		}
		for _, d := range w.Days {
			if !slices.Contains(weekdays, d) {
				add(".days", "%q is not one of sun, mon, tue, wed, thu, fri, sat", d)
			}
		}
		if _, ok := clock(w.Start); !ok {
			add(".start", "must be a time of day HH:MM (00:00 to 23:59)")
		}
		if _, ok := clock(w.End); !ok {
			add(".end", "must be a time of day HH:MM (00:00 to 23:59)")
		}
		if w.TimeZone == "" {
			add(".time_zone", "name an IANA time zone, e.g. UTC or Europe/Berlin")
		} else if _, err := time.LoadLocation(w.TimeZone); err != nil || w.TimeZone == "Local" {
			add(".time_zone", "%q is not an IANA time zone", w.TimeZone)
		}
	case Once:
		if len(w.Days) > 0 || w.Start != "" || w.End != "" || w.TimeZone != "" {
			add("", "a one-off window has starts_at and ends_at only")
		}
		switch {
		case w.StartsAt == nil || w.EndsAt == nil:
			add("", "a one-off window needs starts_at and ends_at (RFC 3339)")
		case !w.EndsAt.After(*w.StartsAt):
			add(".ends_at", "must be after starts_at")
		case w.EndsAt.Sub(*w.StartsAt) > maxOnce:
			add(".ends_at", "a one-off window lasts at most 31 days")
		}
	default:
		add(".type", "must be weekly or once")
	}
	return errs
}

// clock parses HH:MM into minutes after midnight.
func clock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// Active reports whether t falls inside w. w must have been validated.
func (w Window) Active(t time.Time) bool {
	if w.Type == Once {
		return w.StartsAt != nil && w.EndsAt != nil && !t.Before(*w.StartsAt) && t.Before(*w.EndsAt)
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		return false
	}
	start, ok1 := clock(w.Start)
	end, ok2 := clock(w.End)
	if !ok1 || !ok2 {
		return false
	}
	local := t.In(loc)
	now := local.Hour()*60 + local.Minute()
	today := weekdays[local.Weekday()]
	yesterday := weekdays[(local.Weekday()+6)%7]
	if end > start { // same day
		return slices.Contains(w.Days, today) && now >= start && now < end
	}
	// Runs past midnight: the evening part belongs to the listed day, the
	// morning part to the day after it.
	return (slices.Contains(w.Days, today) && now >= start) || (slices.Contains(w.Days, yesterday) && now < end)
}

// InMaintenance reports whether t falls inside any of the record's windows.
func (r Record) InMaintenance(t time.Time) bool {
	return slices.ContainsFunc(r.MaintenanceWindows, func(w Window) bool { return w.Active(t) })
}
