package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// maxLines bounds the events a message lists; the rest are counted.
const maxLines = 100

// event is one waiting outbox row, as a message line needs it.
type event struct {
	OutboxID int64
	State    string // firing or resolved
	Severity string
	Summary  string
	At       time.Time
	Source   string
	Key      string
	Hostname *string
}

// compose writes one message for a burst of events, in outbox order.
func compose(evs []event) Message {
	firing, resolved := 0, 0
	for _, e := range evs {
		if e.State == "resolved" {
			resolved++
		} else {
			firing++
		}
	}
	var title string
	switch {
	case len(evs) == 1:
		title = fmt.Sprintf("[monsys] %s %s: %s", strings.ToUpper(evs[0].State), evs[0].Severity, lineSubject(evs[0]))
	case resolved == 0:
		title = fmt.Sprintf("[monsys] %d alerts firing", firing)
	case firing == 0:
		title = fmt.Sprintf("[monsys] %d alerts resolved", resolved)
	default:
		title = fmt.Sprintf("[monsys] %d alerts firing, %d resolved", firing, resolved)
	}
	var b strings.Builder
	for i, e := range evs {
		if i == maxLines {
			fmt.Fprintf(&b, "… and %d more\n", len(evs)-maxLines)
			break
		}
		line := strings.ToUpper(e.State) + " " + e.Severity + " " + lineSubject(e)
		if e.Summary != "" {
			line += ": " + e.Summary
		}
		b.WriteString(oneLine(line, maxLineLen) + " (" + e.At.UTC().Format(time.RFC3339) + ")\n")
	}
	return Message{Title: oneLine(title, maxLineLen), Body: b.String()}
}

// maxLineLen bounds a line of a message, in bytes: services cap a message
// (ntfy at 4 KiB, Discord at 2000 characters) and a summary can be long.
const maxLineLen = 300

// oneLine makes s one line (a title with a line break would be refused as
// an e-mail subject for good) of at most max bytes, cut on a rune.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func lineSubject(e event) string {
	if e.Hostname != nil && *e.Hostname != "" {
		return e.Key + " on " + *e.Hostname
	}
	return e.Key
}

// testMessage is what POST /notification-channels/:id/test sends.
func testMessage(name string, at time.Time) Message {
	return Message{Title: "[monsys] test of channel " + name,
		Body: "This is a test message from monsys, sent " + at.UTC().Format(time.RFC3339) + ". Alerts routed to this channel will arrive like this.\n"}
}
