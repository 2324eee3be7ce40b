package explain

import (
	"regexp"
	"strings"
	"testing"
)

func TestRedactRemovesSecrets(t *testing.T) {
	secrets := map[string]string{
		"password assignment": `app[12]: connecting with password=Hunter2Hunter2 to db`,
		"json secret":         `{"client_secret": "s3cr3t-value-abc"}`,
		"url password":        `dialing postgres://app:pa55word@db.internal:5432/shop`,
		"bearer":              `GET /v1 Authorization: Bearer abcdefghijklmnop1234`,
		"jwt":                 `token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U`,
		"monsys token":        `agent used msa_0123456789ABCDEFGHIJabcdefghij01abcd`,
		"aws key":             `found AKIAIOSFODNN7EXAMPLE in env`,
		"github token":        `ghp_abcdefghijklmnopqrstuvwxyz0123456789`,
		"private key":         "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
		"long hex":            `session 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 resumed`,
	}
	for name, line := range secrets {
		got := Redact(line, false)
		for _, s := range []string{"Hunter2Hunter2", "s3cr3t-value-abc", "pa55word", "abcdefghijklmnop1234",
			"dozjgNryP4J3", "msa_0123456789", "AKIAIOSFODNN7EXAMPLE", "ghp_abc", "b3BlbnNzaC1rZXktdjEAAAAA", "9f86d081884c7d65"} {
			if strings.Contains(line, s) && strings.Contains(got.Text, s) {
				t.Errorf("%s: %q survived in %q", name, s, got.Text)
			}
		}
		if len(got.Counts) == 0 {
			t.Errorf("%s: nothing counted", name)
		}
	}
}

func TestRedactKeepsWhatExplainsTheLine(t *testing.T) {
	line := `kernel: Out of memory: Killed process 4711 (java) total-vm:8251212kB at 10:00:00 on /usr/lib/x86_64-linux-gnu/libc.so.6`
	if got := Redact(line, true); got.Text != line {
		t.Errorf("changed an innocent line: %q", got.Text)
	}
}

func TestRedactEmailsAndAddresses(t *testing.T) {
	line := `postfix/smtp[3312]: to=<bob@example.org>, relay=mx[192.0.2.25]:25 from 2001:db8::1 and fe80::1%eth0 at 10:00:01`
	kept := Redact(line, false)
	if strings.Contains(kept.Text, "bob@example.org") || !strings.Contains(kept.Text, "192.0.2.25") {
		t.Errorf("without ips: %q", kept.Text)
	}
	all := Redact(line, true)
	for _, s := range []string{"192.0.2.25", "2001:db8::1"} {
		if strings.Contains(all.Text, s) {
			t.Errorf("with ips: %s survived in %q", s, all.Text)
		}
	}
	if !strings.Contains(all.Text, "10:00:01") {
		t.Errorf("a time of day was taken for an address: %q", all.Text)
	}
}

// FuzzRedact: redaction never panics, never grows a line past its
// replacements, and leaves no e-mail address behind.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"password=x", "a@b.co", "postgres://u:p@h/db", "::1", "1.2.3.4", "-----BEGIN RSA PRIVATE KEY-----"} {
		f.Add(s)
	}
	email := regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	f.Fuzz(func(t *testing.T, s string) {
		got := Redact(s, true)
		if email.MatchString(got.Text) {
			t.Fatalf("e-mail left in %q (from %q)", got.Text, s)
		}
	})
}
