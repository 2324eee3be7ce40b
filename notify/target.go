package notify

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"github.com/monsys/monsys/webhook"
)

// Kinds are the channel kinds, in the order a form lists them.
var Kinds = []string{"email", "slack", "discord", "teams", "telegram", "ntfy", "gotify", "pushover", "matrix", "generic"}

// fixedHosts are where the services with one public endpoint send.
var fixedHosts = map[string][]string{
	"slack":    {"hooks.slack.com", "slack.com"},
	"discord":  {"discord.com"},
	"telegram": {"api.telegram.org"},
	"pushover": {"api.pushover.net"},
}

// maxRecipients bounds an e-mail channel's addresses.
const maxRecipients = 20

// target is a parsed channel target. It lives as long as one request or
// one attempt: the raw URL holds the service's tokens.
type target struct {
	kind   string
	raw    string   // the shoutrrr URL, or mailto:…
	hosts  []string // what the library connects to; checked before each attempt
	emails []string // kind email
}

// shown is what answers carry instead of the target: scheme and host.
func (t target) shown() string {
	if t.kind == "email" {
		if len(t.emails) == 1 {
			return "mailto:1 recipient"
		}
		return fmt.Sprintf("mailto:%d recipients", len(t.emails))
	}
	return t.kind + "://" + t.hosts[0]
}

// parseTarget reads a channel target: mailto:a@x,b@y, or a shoutrrr URL
// of one of Kinds (generic+http://host/path for a plain-HTTP generic
// webhook). IP literals and localhost are checked against policy here;
// names are checked again, resolved, before every attempt.
func parseTarget(raw string, policy webhook.Policy) (target, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return target{}, errors.New("give a shoutrrr URL (ntfy://ntfy.sh/topic, …) or mailto:addresses")
	}
	if len(raw) > webhook.MaxURLLength {
		return target{}, fmt.Errorf("at most %d bytes", webhook.MaxURLLength)
	}
	if strings.ContainsAny(raw, " \t\r\n\x00") && !strings.HasPrefix(raw, "mailto:") {
		return target{}, errors.New("the URL contains whitespace or control characters")
	}
	if rest, ok := strings.CutPrefix(raw, "mailto:"); ok {
		return parseEmails(raw, rest)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return target{}, errors.New("the URL does not parse; it starts with the service, e.g. ntfy://ntfy.sh/alerts")
	}
	kind, _, _ := strings.Cut(strings.ToLower(u.Scheme), "+")
	t := target{kind: kind, raw: raw}
	switch kind {
	case "email", "":
		return target{}, errors.New("an e-mail channel's target is mailto:address[,address…]")
	case "slack", "discord", "telegram", "pushover":
		t.hosts = fixedHosts[kind]
	case "teams":
		h := u.Query().Get("host")
		if u.Scheme != "teams" { // teams+https://org.webhook.office.com/…: the custom URL form
			h = u.Hostname()
		}
		if h == "" {
			return target{}, errors.New("a Teams URL names its webhook host: ?host=<organization>.webhook.office.com")
		}
		t.hosts = []string{h}
	case "ntfy":
		h := u.Hostname()
		if h == "" {
			h = "ntfy.sh"
		}
		t.hosts = []string{h}
	case "gotify", "matrix", "generic":
		if u.Hostname() == "" {
			return target{}, fmt.Errorf("a %s URL names its server: %s://host/…", kind, kind)
		}
		t.hosts = []string{u.Hostname()}
	default:
		return target{}, fmt.Errorf("%q is not a channel kind here; use one of %s", kind, strings.Join(Kinds[1:], ", "))
	}
	if u.Scheme != kind && kind != "generic" && kind != "teams" {
		return target{}, fmt.Errorf("%s URLs start with %s://", kind, kind)
	}
	for _, h := range t.hosts {
		// The webhook rule for literals and localhost, on the host alone:
		// the scheme and credentials are the service's business.
		if err := policy.ValidateURL("https://" + bracket(h) + "/"); err != nil {
			return target{}, err
		}
	}
	return t, nil
}

func bracket(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

func parseEmails(raw, list string) (target, error) {
	t := target{kind: "email", raw: raw}
	for _, a := range strings.Split(list, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if strings.ContainsAny(a, "\r\n\x00") {
			return target{}, errors.New("an address contains a line break")
		}
		addr, err := mail.ParseAddress(a)
		if err != nil || addr.Name != "" {
			return target{}, fmt.Errorf("%q is not an e-mail address", a)
		}
		t.emails = append(t.emails, addr.Address)
	}
	switch {
	case len(t.emails) == 0:
		return target{}, errors.New("mailto: names at least one address")
	case len(t.emails) > maxRecipients:
		return target{}, fmt.Errorf("at most %d addresses", maxRecipients)
	}
	return t, nil
}

// redact removes the target's secret parts from text a library wrote
// (errors quote the URL they failed on).
func (t target) redact(msg string) string {
	secrets := []string{t.raw}
	if u, err := url.Parse(t.raw); err == nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
		secrets = append(secrets, u.User.Username(), u.EscapedPath(), u.Path, u.RawQuery)
		secrets = append(secrets, strings.Split(u.Path, "/")...) // tokens are path segments (gotify, discord, teams)
		for _, vs := range u.Query() {
			secrets = append(secrets, vs...)
		}
		if fixedHosts[t.kind] != nil { // the URL's "host" is a token there
			secrets = append(secrets, u.Host)
		}
	}
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "…")
		}
	}
	return msg
}

// checkWithLibrary has shoutrrr read the URL as it will at send time, so a
// malformed token or a missing parameter is refused when the channel is
// saved, with the library's reason (its router keeps only "failed to
// initialize"). Matrix is left to the first attempt: reading its URL
// logs in.
func (t target) checkWithLibrary() error {
	if t.kind == "email" || t.kind == "matrix" {
		return nil
	}
	sr := &router.ServiceRouter{}
	svc, err := sr.NewService(t.kind)
	if err != nil {
		return fmt.Errorf("shoutrrr has no %s service", t.kind)
	}
	u, err := url.Parse(t.raw)
	if err != nil {
		return errors.New("the URL does not parse")
	}
	if u.Scheme != t.kind { // generic+https://…, teams+https://…
		custom, ok := svc.(types.CustomURLService)
		if !ok {
			return fmt.Errorf("%s URLs start with %s://", t.kind, t.kind)
		}
		if u, err = custom.GetConfigURLFromCustom(u); err != nil {
			return errors.New(t.redact("shoutrrr cannot use this URL: " + err.Error()))
		}
	}
	if err := svc.Initialize(u, nil); err != nil {
		return errors.New(t.redact("shoutrrr cannot use this URL: " + err.Error()))
	}
	return nil
}
