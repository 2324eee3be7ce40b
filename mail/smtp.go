package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Message is one plain-text email.
type Message struct {
	To, Subject, Body string
}

// SMTP sends through one mail server. It is safe for concurrent use:
// every Send opens its own connection.
type SMTP struct {
	addr     string // host:port
	host     string
	implicit bool // smtps: TLS from the first byte
	user     string
	pass     string
	from     string
	timeout  time.Duration
	roots    *x509.CertPool // nil: the system's; tests trust their own CA
}

// ParseSMTP reads smtp://[user:pass@]host[:port] (port 587 by default) or
// smtps://… (port 465) and the From address.
func ParseSMTP(raw, from string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, errors.New("want smtp://user:pass@host:port or smtps://…")
	}
	if err := checkHeader(from); err != nil || !strings.Contains(from, "@") {
		return nil, errors.New("the From address must be an email address")
	}
	s := &SMTP{host: u.Hostname(), implicit: u.Scheme == "smtps", from: from, timeout: 30 * time.Second}
	port := u.Port()
	if port == "" {
		port = "587"
		if s.implicit {
			port = "465"
		}
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	return s, nil
}

// Send delivers m, using STARTTLS when the server offers it.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := checkHeader(m.To); err != nil {
		return err
	}
	if err := checkHeader(m.Subject); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	conn, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("connect to mail server: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl) // a failure here shows up as a timeout below
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		_ = conn.Close() // the greeting failed; nothing to flush
		return fmt.Errorf("greet mail server: %w", err)
	}
	defer c.Close()
	if err := s.session(c, m); err != nil {
		return err
	}
	return c.Quit()
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{}
	if s.implicit {
		td := &tls.Dialer{NetDialer: d, Config: s.tlsConfig()}
		return td.DialContext(ctx, "tcp", s.addr)
	}
	return d.DialContext(ctx, "tcp", s.addr)
}

func (s *SMTP) session(c *smtp.Client, m Message) error {
	if err := c.Hello("monsys"); err != nil {
		return fmt.Errorf("say hello: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !s.implicit {
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fmt.Errorf("start tls: %w", err)
		}
	}
	if s.user != "" {
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("authenticate: %w", err)
		}
	}
	if err := c.Mail(s.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(compose(s.from, m, time.Now())); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end message: %w", err)
	}
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12, RootCAs: s.roots}
}

// compose renders the message with CRLF line ends.
func compose(from string, m Message, now time.Time) []byte {
	var b strings.Builder
	b.WriteString("From: " + from + "\r\nTo: " + m.To + "\r\nSubject: " + m.Subject + "\r\n")
	b.WriteString("Date: " + now.UTC().Format(time.RFC1123Z) + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}

// checkHeader refuses values that would start a new header line.
func checkHeader(v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return errors.New("mail header value contains a line break")
	}
	return nil
}
