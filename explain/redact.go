package explain

import (
	"net"
	"regexp"
	"strings"
)

// redaction is one kind of sensitive text and how it is replaced.
type redaction struct {
	kind string
	re   *regexp.Regexp
	with string // regexp.Expand template
}

// redactions run in order: whole blocks and structured secrets first, so a
// key inside a URL or header is caught by its own rule.
var redactions = []redaction{
	{"private_key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|$)`), "[REDACTED PRIVATE KEY]"},
	{"url_password", regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+):[^/\s@]+@`), "${1}:[REDACTED]@"},
	{"authorization", regexp.MustCompile(`(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}`), "${1}${2}[REDACTED]"},
	{"assignment", regexp.MustCompile(`(?i)\b((?:[a-z0-9]+[_-])*(?:password|passwd|pwd|pass|secret|token|api[_-]?key|apikey|access[_-]?key|auth|credentials?|cookie|session[_-]?id|private[_-]?key))("?'?\s*[:=]\s*"?'?)([^\s"'&,;<>]+)`), "${1}${2}[REDACTED]"},
	{"jwt", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}`), "[REDACTED JWT]"},
	{"monsys_token", regexp.MustCompile(`\bms[aek]_[0-9A-Za-z]{20,}`), "[REDACTED TOKEN]"},
	{"cloud_key", regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bsk-[A-Za-z0-9_-]{20,}|\bglpat-[A-Za-z0-9_-]{20,}`), "[REDACTED KEY]"},
	{"email", regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`), "[EMAIL]"},
}

// longSecret is a run of 32 or more token characters mixing letters and
// digits: a key, a hash or a session id that no rule above knew.
var longSecret = regexp.MustCompile(`[A-Za-z0-9_+=-]{32,}`)

var (
	ipv4      = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	ipv6Ish   = regexp.MustCompile(`[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}`)
	hasLetter = regexp.MustCompile(`[A-Za-z]`)
	hasDigit  = regexp.MustCompile(`[0-9]`)
)

// Redacted is text with its sensitive parts replaced, and how many of
// each kind were.
type Redacted struct {
	Text   string
	Counts map[string]int
}

// Redact replaces secrets, tokens, keys, passwords in URLs and
// assignments, and e-mail addresses in s; with ips, IPv4 and IPv6
// addresses too. It is what the hub applies before anything is sent to a
// model.
func Redact(s string, ips bool) Redacted {
	out := Redacted{Text: s, Counts: map[string]int{}}
	for _, r := range redactions {
		out.Text = r.re.ReplaceAllStringFunc(out.Text, func(m string) string {
			out.Counts[r.kind]++
			return string(r.re.ExpandString(nil, r.with, m, r.re.FindStringSubmatchIndex(m)))
		})
	}
	out.Text = longSecret.ReplaceAllStringFunc(out.Text, func(m string) string {
		if !hasLetter.MatchString(m) || !hasDigit.MatchString(m) {
			return m
		}
		out.Counts["secret"]++
		return "[REDACTED]"
	})
	if ips {
		out.Text = ipv4.ReplaceAllStringFunc(out.Text, func(m string) string {
			if net.ParseIP(m) == nil {
				return m
			}
			out.Counts["ip"]++
			return "[IP]"
		})
		out.Text = ipv6Ish.ReplaceAllStringFunc(out.Text, func(m string) string {
			if ip := net.ParseIP(m); ip == nil || (!strings.Contains(m, "::") && strings.Count(m, ":") != 7) {
				return m // a time of day, a MAC address, a port list
			}
			out.Counts["ip"]++
			return "[IP]"
		})
	}
	for k, n := range out.Counts {
		if n == 0 {
			delete(out.Counts, k)
		}
	}
	return out
}
