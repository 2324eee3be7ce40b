// Package smtptest is a tiny mail server on loopback for tests, speaking
// enough SMTP (RFC 5321: greeting, EHLO, MAIL, RCPT, DATA with
// dot-stuffing, QUIT) for the hub's real client (package mail) to deliver
// to it. Each Server is owned by one test and closed by its cleanup.
package smtptest

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server receives mail on 127.0.0.1; Got yields each message.
type Server struct {
	Addr string // host:port
	Got  chan Message
	ln   net.Listener
	wg   sync.WaitGroup
}

// Message is one message as the server received it.
type Message struct {
	From, To string
	Data     string
}

// New starts a server that stops when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, Got: make(chan Message, 64)}
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

func (s *Server) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // a stuck client cannot hang the test
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	reply := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	reply("220 test.local ESMTP ready")
	var msg Message
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
			msg = Message{From: angle(line[len("MAIL FROM:"):])}
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
			s.Got <- msg
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

func angle(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}
