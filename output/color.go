package output

// Color is a foreground color for a table cell or a chart line.
type Color int

// The colors used; None leaves text as it is.
const (
	None Color = iota
	Red
	Green
	Yellow
	Cyan
	Dim
)

var sgr = map[Color]string{Red: "31", Green: "32", Yellow: "33", Cyan: "36", Dim: "2"}

// Paint wraps s in the escape sequence for c, or returns it unchanged when
// color is off or c is None.
func Paint(s string, c Color, color bool) string {
	code, ok := sgr[c]
	if !color || !ok || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Colorful decides whether a command may color its output: only on a
// terminal, and never when NO_COLOR (no-color.org) is set to anything or
// TERM is dumb. environ is os.Environ's shape.
func Colorful(environ []string, terminal bool) bool {
	if !terminal {
		return false
	}
	for _, kv := range environ {
		switch {
		case len(kv) > len("NO_COLOR=") && kv[:len("NO_COLOR=")] == "NO_COLOR=":
			return false
		case kv == "TERM=dumb":
			return false
		}
	}
	return true
}

// StateColor colors the states the hub reports: agents (online, offline,
// pending), alerts (firing, pending, resolved) and severities.
func StateColor(s string) Color {
	switch s {
	case "online", "resolved", "ok", "enabled", "info":
		return Green
	case "offline", "firing", "critical", "broken", "failed":
		return Red
	case "pending", "warning", "disabled":
		return Yellow
	}
	return None
}
