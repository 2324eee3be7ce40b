package decoy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/monsys/monsys/wire"
)

// Bounds of the honeypots (doc.go).
const (
	maxHandling  = 16
	maxFirstRead = 256
	readWindow   = 2 * time.Second
)

// ParsePorts reads --honeypot: comma-separated tcp:PORT entries.
func ParsePorts(s string) ([]int, error) {
	var ports []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		proto, num, ok := strings.Cut(part, ":")
		if !ok || proto != "tcp" {
			return nil, fmt.Errorf("%q: want tcp:PORT", part)
		}
		p, err := strconv.Atoi(num)
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("%q: port must be 1 to 65535", part)
		}
		ports = append(ports, p)
	}
	return ports, nil
}

// banners are what the real service says first; ports not listed stay
// silent until the peer speaks (RDP, HTTP, TLS).
var banners = map[int]string{
	21:   "220 (vsFTPd 3.0.5)\r\n",
	22:   "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
	2222: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
	23:   "\r\nDebian GNU/Linux 12\r\nlogin: ",
	2323: "\r\nDebian GNU/Linux 12\r\nlogin: ",
	25:   "220 mail.localdomain ESMTP Postfix (Debian/GNU)\r\n",
}

// Honeypots are the decoy listeners of one agent.
type Honeypots struct {
	q     *Queue
	log   *slog.Logger
	slots chan struct{}
	lns   []net.Listener
	wg    sync.WaitGroup
}

// Listen opens a decoy on each port of host ("" for every address); a
// port that cannot be opened (in use, or below 1024 without the right) is
// skipped with a warning. It answers the ports it opened.
func Listen(host string, ports []int, q *Queue, log *slog.Logger) (*Honeypots, []int) {
	h := &Honeypots{q: q, log: log, slots: make(chan struct{}, maxHandling)}
	var open []int
	for _, p := range ports {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			log.Warn("honeypot port skipped: it cannot be opened (in use by another program, or privileged)", "port", p, "err", err)
			continue
		}
		h.lns = append(h.lns, ln)
		open = append(open, p)
	}
	return h, open
}

// Serve accepts connections until ctx ends, then closes the listeners and
// waits for the connections being handled.
func (h *Honeypots) Serve(ctx context.Context) error {
	for _, ln := range h.lns {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.accept(ln)
		}()
	}
	<-ctx.Done()
	for _, ln := range h.lns {
		_ = ln.Close() // ends accept; nothing else to report
	}
	h.wg.Wait()
	return nil
}

func (h *Honeypots) accept(ln net.Listener) {
	port := ln.Addr().(*net.TCPAddr).Port
	for {
		conn, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				h.log.Warn("honeypot stopped accepting", "port", port, "err", err)
			}
			return
		}
		ev := wire.SecurityEvent{Kind: wire.EventHoneypot, At: time.Now().UnixMilli(), Proto: "tcp", Port: port}
		if ra, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
			ev.SourceIP, ev.SourcePort = ra.IP.String(), ra.Port
		}
		select {
		case h.slots <- struct{}{}:
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				defer func() { <-h.slots }()
				h.q.add(h.converse(conn, ev))
			}()
		default: // a flood: counted, not conversed with
			_ = conn.Close() // nothing to say to it
			h.q.add(ev)
		}
	}
}

// converse answers the banner and reads what the peer sends first.
func (h *Honeypots) converse(conn net.Conn, ev wire.SecurityEvent) wire.SecurityEvent {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(readWindow)) // a TCP conn takes deadlines
	if b, ok := banners[ev.Port]; ok {
		if _, err := conn.Write([]byte(b)); err != nil {
			return ev
		}
	}
	buf := make([]byte, maxFirstRead)
	n := 0
	for n < len(buf) {
		m, err := conn.Read(buf[n:])
		n += m
		if err != nil || (n > 0 && buf[n-1] == '\n') {
			break
		}
	}
	if n > 0 {
		ev.FirstBytes = strconv.Quote(string(buf[:n]))
	}
	return ev
}
