package mail

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

func TestParseSMTP(t *testing.T) {
	s, err := ParseSMTP("smtp://user:p%40ss@mail.example:2525", "hub@example.org")
	if err != nil || s.addr != "mail.example:2525" || s.user != "user" || s.pass != "p@ss" || s.implicit {
		t.Fatalf("%+v %v", s, err)
	}
	if s, _ := ParseSMTP("smtp://mail.example", "hub@example.org"); s.addr != "mail.example:587" {
		t.Fatalf("default port: %s", s.addr)
	}
	if s, _ := ParseSMTP("smtps://mail.example", "hub@example.org"); s.addr != "mail.example:465" || !s.implicit {
		t.Fatalf("smtps: %+v", s)
	}
	for _, bad := range [][2]string{{"http://mail.example", "a@b"}, {"smtp://", "a@b"}, {"smtp://m", "no-at"}, {"smtp://m", "a@b\r\nBcc: x@y"}} {
		if _, err := ParseSMTP(bad[0], bad[1]); err == nil {
			t.Errorf("accepted %q from %q", bad[0], bad[1])
		}
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	s, err := ParseSMTP("smtp://127.0.0.1:1", "hub@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Message{{To: "a@b\r\nBcc: c@d", Subject: "x"}, {To: "a@b", Subject: "x\nBcc: c@d"}} {
		if err := s.Send(context.Background(), m); err == nil || !strings.Contains(err.Error(), "line break") {
			t.Errorf("%+v: %v", m, err)
		}
	}
	if got := string(compose("f@x", Message{To: "t@x", Subject: "s", Body: "a\nb\r\nc"}, time.Unix(0, 0))); !strings.HasSuffix(got, "\r\n\r\na\r\nb\r\nc\r\n") {
		t.Fatalf("body lines not CRLF: %q", got)
	}
}

// TestSTARTTLSWhenOffered: against a server that offers STARTTLS the
// client upgrades before authenticating, so the password and the message
// never cross in the clear.
func TestSTARTTLSWhenOffered(t *testing.T) {
	cert, roots := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type seen struct {
		tlsBeforeAuth, tlsBeforeData bool
		data                         string
	}
	got := make(chan seen, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // bounded
		var s seen
		secure := false
		r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
		say := func(l string) { w.WriteString(l + "\r\n"); w.Flush() }
		say("220 tls.test ready")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				got <- s
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			switch {
			case strings.HasPrefix(cmd, "EHLO"):
				if secure {
					say("250-tls.test")
					say("250 AUTH PLAIN")
				} else {
					say("250-tls.test")
					say("250 STARTTLS")
				}
			case cmd == "STARTTLS":
				say("220 go ahead")
				tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}})
				if err := tc.Handshake(); err != nil {
					got <- s
					return
				}
				secure = true
				r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
			case strings.HasPrefix(cmd, "AUTH PLAIN"):
				s.tlsBeforeAuth = secure
				say("235 ok")
			case strings.HasPrefix(cmd, "MAIL FROM"), strings.HasPrefix(cmd, "RCPT TO"):
				say("250 ok")
			case cmd == "DATA":
				s.tlsBeforeData = secure
				say("354 go")
				var b strings.Builder
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == ".\r\n" {
						break
					}
					b.WriteString(l)
				}
				s.data = b.String()
				say("250 queued")
			case cmd == "QUIT":
				say("221 bye")
				got <- s
				return
			default:
				say("502 no")
			}
		}
	}()
	s, err := ParseSMTP("smtp://user:secret@"+ln.Addr().String(), "hub@example.org")
	if err != nil {
		t.Fatal(err)
	}
	s.roots = roots
	if err := s.Send(context.Background(), Message{To: "op@example.org", Subject: "hello", Body: "link"}); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if !r.tlsBeforeAuth || !r.tlsBeforeData || !strings.Contains(r.data, "Subject: hello") {
		t.Fatalf("%+v: want AUTH and DATA only after STARTTLS", r)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
