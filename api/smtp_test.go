package api

import (
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/monsys/monsys/internal/smtptest"
	"github.com/monsys/monsys/mail"
)

// smtpServer is the test mail server the hub's real client delivers to.
type smtpServer = smtptest.Server

// delivered is one message as the server received it.
type delivered = smtptest.Message

func newSMTPServer(t *testing.T) *smtpServer { return smtptest.New(t) }

// mailer is the hub's outbox worker wired to the test server, as
// cmd/monsys wires it to MONSYS_SMTP_URL.
func (e *env) mailer(s *smtpServer) *mail.Outbox {
	e.t.Helper()
	sender, err := mail.ParseSMTP("smtp://"+s.Addr, "monsys@test.local")
	if err != nil {
		e.t.Fatal(err)
	}
	return mail.NewOutbox(e.st, sender, slog.New(slog.NewTextHandler(e.t.Output(), &slog.HandlerOptions{Level: slog.LevelError})))
}

// deliver runs the outbox, as the mail worker does, until a message
// reaches the server (forgot-password queues its mail after answering),
// and returns it.
func (e *env) deliver(s *smtpServer) delivered {
	e.t.Helper()
	out := e.mailer(s)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := out.Run(context.Background()); err != nil {
			e.t.Fatal(err)
		}
		select {
		case m := <-s.Got:
			return m
		case <-time.After(50 * time.Millisecond):
		}
	}
	e.t.Fatal("no mail reached the SMTP server")
	return delivered{}
}

var linkRE = regexp.MustCompile(`(https?://\S+)\?token=(\S+)`)

// linkIn finds the link in a mail body and returns its base and token.
func linkIn(t *testing.T, body string) (string, string) {
	t.Helper()
	m := linkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link in mail:\n%s", body)
	}
	tok, err := url.QueryUnescape(strings.TrimSpace(m[2]))
	if err != nil {
		t.Fatal(err)
	}
	return m[1], tok
}
