package decoy

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monsys/monsys/wire"
)

func serve(t *testing.T, h *Honeypots) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := h.Serve(ctx); err != nil {
			t.Error(err)
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// waitEvents polls the queue until n events arrived.
func waitEvents(t *testing.T, q *Queue, n int) []wire.SecurityEvent {
	t.Helper()
	var got []wire.SecurityEvent
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		got = append(got, q.Take()...)
		time.Sleep(10 * time.Millisecond)
	}
	if len(got) < n {
		t.Fatalf("%d events, want %d", len(got), n)
	}
	return got
}

func TestHoneypotRecordsWhoConnectedAndWhatTheySent(t *testing.T) {
	q := &Queue{}
	h, open := Listen("127.0.0.1", []int{0}, q, slog.New(slog.DiscardHandler))
	if len(open) != 1 {
		t.Fatalf("opened %v", open)
	}
	port := h.lns[0].Addr().(*net.TCPAddr).Port
	stop := serve(t, h)
	defer stop()

	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("GET /admin HTTP/1.0\r\n\x00\x01")); err != nil {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	_, _ = io.Copy(io.Discard, conn) // the decoy closes after reading
	conn.Close()
	ev := waitEvents(t, q, 1)[0]
	if ev.Kind != wire.EventHoneypot || ev.Port != port || ev.Proto != "tcp" || ev.SourceIP != "127.0.0.1" || ev.SourcePort == 0 {
		t.Errorf("event %+v", ev)
	}
	if ev.FirstBytes != strconv.Quote("GET /admin HTTP/1.0\r\n\x00\x01") {
		t.Errorf("first bytes %s, want the request quoted", ev.FirstBytes)
	}
}

func TestHoneypotAnswersSSHBanner(t *testing.T) {
	if got := banners[2222]; !strings.HasPrefix(got, "SSH-2.0-") {
		t.Fatalf("banner of 2222 %q", got)
	}
	q := &Queue{}
	h := &Honeypots{q: q, log: slog.New(slog.DiscardHandler), slots: make(chan struct{}, 1)}
	client, server := net.Pipe()
	done := make(chan wire.SecurityEvent)
	go func() { done <- h.converse(server, wire.SecurityEvent{Port: 2222}) }()
	line := make([]byte, 64)
	n, _ := client.Read(line)
	if !strings.HasPrefix(string(line[:n]), "SSH-2.0-OpenSSH") {
		t.Errorf("decoy said %q first, want an SSH banner", line[:n])
	}
	_, _ = client.Write([]byte("SSH-2.0-libssh_0.9.6\r\n"))
	if ev := <-done; ev.FirstBytes != strconv.Quote("SSH-2.0-libssh_0.9.6\r\n") {
		t.Errorf("first bytes %s", ev.FirstBytes)
	}
	client.Close()
}

func TestHoneypotSkipsAPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	var logged strings.Builder
	h, open := Listen("127.0.0.1", []int{port}, &Queue{}, slog.New(slog.NewTextHandler(&logged, nil)))
	if len(open) != 0 || len(h.lns) != 0 {
		t.Errorf("opened %v on a port in use", open)
	}
	if !strings.Contains(logged.String(), "honeypot port skipped") || !strings.Contains(logged.String(), strconv.Itoa(port)) {
		t.Errorf("log %q does not say the port was skipped", logged.String())
	}
}

// TestHoneypotFloodStaysBounded: 300 connections that never speak are all
// counted, no more than maxHandling are held at once, and the decoy stops
// cleanly.
func TestHoneypotFloodStaysBounded(t *testing.T) {
	q := &Queue{}
	h, _ := Listen("127.0.0.1", []int{0}, q, slog.New(slog.DiscardHandler))
	addr := h.lns[0].Addr().String()
	stop := serve(t, h)
	var conns []net.Conn
	for range 300 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if held := len(h.slots); held > maxHandling {
		t.Errorf("%d connections held, want at most %d", held, maxHandling)
	}
	got := waitEvents(t, q, 300)
	for _, c := range conns {
		c.Close()
	}
	stop()
	if len(got) != 300 || q.Dropped() != 0 {
		t.Errorf("%d events, %d dropped; want all 300 counted", len(got), q.Dropped())
	}
}

func TestQueueDropsPastItsBound(t *testing.T) {
	q := &Queue{}
	for range MaxQueued + 5 {
		q.add(wire.SecurityEvent{Kind: wire.EventCanary})
	}
	if n := len(q.Take()); n != MaxQueued || q.Dropped() != 5 {
		t.Errorf("kept %d, dropped %d; want %d and 5", n, q.Dropped(), MaxQueued)
	}
}

func TestCanaryFileReportsOpensAndWrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	if err := os.WriteFile(path, []byte("[default]\naws_access_key_id = AKIA…\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	q := &Queue{}
	c, err := Watch([]string{path, filepath.Join(dir, "missing")}, q, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Serve(ctx) }()

	if _, err := os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	ev := waitEvents(t, q, 1)[0]
	if ev.Kind != wire.EventCanary || ev.Path != path || ev.Access != "opened" {
		t.Errorf("event %+v", ev)
	}
	if _, err := os.ReadFile(path); err != nil { // within the quiet time: not again
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	more := waitEvents(t, q, 1)
	for _, e := range more {
		if e.Access == "opened" {
			t.Errorf("a second open within %s was reported: %+v", canaryQuiet, e)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestParseFlags(t *testing.T) {
	if p, err := ParsePorts("tcp:2222, tcp:23"); err != nil || len(p) != 2 || p[0] != 2222 {
		t.Errorf("ParsePorts = %v, %v", p, err)
	}
	for _, bad := range []string{"udp:53", "tcp:0", "tcp:70000", "2222"} {
		if _, err := ParsePorts(bad); err == nil {
			t.Errorf("ParsePorts(%q) accepted", bad)
		}
	}
	if _, err := ParsePaths("relative/file"); err == nil {
		t.Error("a relative canary path was accepted")
	}
}
