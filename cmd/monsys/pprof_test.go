package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

// MONSYS_PPROF_LISTEN serves the runtime profiles on its own listener and
// stops serving them when stopped.
func TestPprofListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // only picking a free port
	stop, err := startPprof(addr, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		stop()
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "goroutine profile") {
		t.Errorf("goroutine profile: %d %.200s", resp.StatusCode, b)
	}
	stop()
	if _, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		t.Error("pprof still answers after stop")
	}
	if _, err := startPprof("bogus", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "MONSYS_PPROF_LISTEN") {
		t.Errorf("bad address: err = %v, want one naming MONSYS_PPROF_LISTEN", err)
	}
}
