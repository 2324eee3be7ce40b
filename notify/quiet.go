package notify

import (
	"errors"
	"fmt"
	"time"
)

// QuietHours hold a channel's messages from Start to End (HH:MM) in
// TimeZone (an IANA name; "" is UTC). An End at or before Start runs past
// midnight. An empty Start means none.
type QuietHours struct {
	TimeZone string `json:"time_zone"`
	Start    string `json:"start"`
	End      string `json:"end"`
}

// validate checks the quiet hours and says which field is wrong.
func (q QuietHours) validate() (field string, err error) {
	if q.Start == "" && q.End == "" {
		return "", nil
	}
	if _, err := clock(q.Start); err != nil {
		return "quiet_hours.start", err
	}
	if _, err := clock(q.End); err != nil {
		return "quiet_hours.end", err
	}
	if _, err := time.LoadLocation(q.TimeZone); err != nil {
		return "quiet_hours.time_zone", fmt.Errorf("unknown time zone %q (an IANA name like Europe/Berlin)", q.TimeZone)
	}
	return "", nil
}

// Holds reports whether t falls within the quiet hours.
func (q QuietHours) Holds(t time.Time) bool {
	if q.Start == "" {
		return false
	}
	start, err1 := clock(q.Start)
	end, err2 := clock(q.End)
	loc, err3 := time.LoadLocation(q.TimeZone)
	if err1 != nil || err2 != nil || err3 != nil {
		return false // validated on the way in; an unreadable row sends rather than holds forever
	}
	lt := t.In(loc)
	now := lt.Hour()*60 + lt.Minute()
	if start < end {
		return now >= start && now < end
	}
	return now >= start || now < end
}

// clock reads HH:MM as minutes after midnight.
func clock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, errors.New("want HH:MM, e.g. 22:00")
	}
	return t.Hour()*60 + t.Minute(), nil
}
