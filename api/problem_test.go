package api

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFrameworkErrorsAreProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	p := e.do("GET", "/api/v1/no-such-route", cred{}, nil).wantProblem(t, http.StatusNotFound)
	if p.Instance != "/api/v1/no-such-route" {
		t.Errorf("instance %q, want the request path", p.Instance)
	}

	r := e.do("PUT", "/api/v1/health", cred{}, "{}")
	r.wantProblem(t, http.StatusMethodNotAllowed)
	if allow := r.Header.Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("Allow %q, want GET, HEAD", allow)
	}

	// A method the server does not know at all is refused the same way,
	// not with the framework's plain-text line.
	r = e.do("PROPFIND", "/api/v1/health", cred{}, nil)
	if p := r.wantProblem(t, http.StatusMethodNotAllowed); p.RequestID == "" {
		t.Errorf("unknown method: no request id in %s", r.Body)
	}
	if allow := r.Header.Get("Allow"); !strings.Contains(allow, "GET") || strings.Contains(allow, "PROPFIND") {
		t.Errorf("unknown method: Allow %q", allow)
	}

	// Over the configured JSON body limit (1 MiB here).
	big := `{"email":"` + strings.Repeat("a", 1<<20) + `","password":"x"}`
	p = e.do("POST", "/api/v1/auth/login", cred{}, big).wantProblem(t, http.StatusRequestEntityTooLarge)
	if !strings.Contains(p.Detail, fmt.Sprint(1<<20)) {
		t.Errorf("detail %q does not say the limit", p.Detail)
	}

	// A caller's request id is kept when it is sane and replaced when not.
	r = e.do("GET", "/api/v1/nope", cred{}, nil, "X-Request-Id", "trace-42")
	if p := r.wantProblem(t, http.StatusNotFound); p.RequestID != "trace-42" {
		t.Errorf("request_id %q, want the caller's trace-42", p.RequestID)
	}
	r = e.do("GET", "/api/v1/nope", cred{}, nil, "X-Request-Id", strings.Repeat("x", 65))
	if p := r.wantProblem(t, http.StatusNotFound); len(p.RequestID) > 64 {
		t.Errorf("request_id %q: an overlong caller id was echoed", p.RequestID)
	}
}

// TestBodyOverServerCap sends more than the 8 MiB every route is capped at
// by default, which the HTTP server refuses before any middleware or
// handler runs.
func TestBodyOverServerCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const size = 8<<20 + 1

	// The headers announce the size and the server answers without reading
	// the body. (A client that insists on sending all of it may see the
	// connection reset instead: the server does not drain refused bodies.)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/agents/register HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		strings.TrimPrefix(e.base, "http://"), size)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close() // fully read
	if err != nil {
		t.Fatal(err)
	}
	reply{Status: resp.StatusCode, Header: resp.Header, Body: b}.wantProblem(t, http.StatusRequestEntityTooLarge)
}
