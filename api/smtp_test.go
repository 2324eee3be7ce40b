package api

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monsys/monsys/mail"
)

// smtpServer is a tiny mail server on loopback speaking enough SMTP
// (RFC 5321: greeting, EHLO, MAIL, RCPT, DATA with dot-stuffing, QUIT) for
// the hub's real client to deliver to it.
type smtpServer struct {
	ln   net.Listener
	got  chan delivered
	wg   sync.WaitGroup
	from string
}

// delivered is one message as the server received it.
type delivered struct {
	From, To string
	Data     string
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, got: make(chan delivered, 16)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close() // ends the accept loop
		s.wg.Wait()
	})
	return s
}

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // a stuck client cannot hang the test
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	reply := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	reply("220 test.local ESMTP ready")
	var msg delivered
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" || verb == "HELO":
			reply("250-test.local greets you")
			reply("250 8BITMIME")
		case strings.HasPrefix(strings.ToUpper(line), "MAIL FROM:"):
			msg = delivered{From: angle(line[len("MAIL FROM:"):])}
			reply("250 ok")
		case strings.HasPrefix(strings.ToUpper(line), "RCPT TO:"):
			msg.To = angle(line[len("RCPT TO:"):])
			reply("250 ok")
		case verb == "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, ".")) // undo dot-stuffing
			}
			msg.Data = b.String()
			s.got <- msg
			reply("250 queued")
		case verb == "RSET" || verb == "NOOP":
			reply("250 ok")
		case verb == "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

// mailer is the hub's outbox worker wired to the test server, as
// cmd/monsys wires it to MONSYS_SMTP_URL.
func (e *env) mailer(s *smtpServer) *mail.Outbox {
	e.t.Helper()
	sender, err := mail.ParseSMTP("smtp://"+s.ln.Addr().String(), "monsys@test.local")
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
		case m := <-s.got:
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

// angle is the address between < and > of a MAIL or RCPT argument.
func angle(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}
