package main_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDecoysEndToEnd runs the real hub and the real agent with a honeypot
// port and a canary file: a connection to the port and a read of the file
// become alerts, delivered to a webhook, and the scanner shows on
// /security.
func TestDecoysEndToEnd(t *testing.T) {
	hubBin, agentBin := buildHub(t), buildAgent(t)
	var mu sync.Mutex
	var deliveries []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body) // a short body fails the match below and the test says so
		mu.Lock()
		deliveries = append(deliveries, string(b))
		mu.Unlock()
	}))
	defer receiver.Close()

	s := newSite(t, hubBin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		"MONSYS_WEBHOOK_ALLOW_CIDRS=127.0.0.0/8")
	h := s.start(t)
	h.waitHealthy(t)
	c := h.client()
	c.login(t, ownerEmail, ownerPassword)
	c.call(t, http.MethodPost, "/api/v1/webhooks", "", map[string]string{"url": receiver.URL + "/hook"}, http.StatusCreated, nil)
	var tok struct{ Token string }
	c.call(t, http.MethodPost, "/api/v1/enrollment-tokens", "", map[string]string{"name": "decoys"}, http.StatusCreated, &tok)

	dir := t.TempDir()
	canary := filepath.Join(dir, "aws-credentials")
	if err := os.WriteFile(canary, []byte("[default]\naws_access_key_id = AKIA0000000000000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	a := startAgent(t, agentBin, dir, "--hub", h.url, "--token", tok.Token, "--state-dir", filepath.Join(dir, "state"),
		"--interval", "1s", "--honeypot", "tcp:"+strconv.Itoa(port), "--canary-file", canary)
	waitAgentID(t, filepath.Join(dir, "state"), a)
	waitUntil(t, "the honeypot to listen", func() bool { return strings.Contains(a.log(t), "honeypots listening") })

	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("USER root\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close() // the decoy has what it needs
	if _, err := os.ReadFile(canary); err != nil {
		t.Fatal(err)
	}

	honeypotKey := "honeypot:tcp/" + strconv.Itoa(port)
	canaryKey := "canary:" + canary
	waitUntil(t, "both alerts", func() bool {
		var alerts struct {
			Items []struct{ Key, Severity string } `json:"items"`
		}
		c.call(t, http.MethodGet, "/api/v1/alerts?state=firing", "", nil, http.StatusOK, &alerts)
		found := 0
		for _, al := range alerts.Items {
			if (al.Key == honeypotKey && al.Severity == "warning") || (al.Key == canaryKey && al.Severity == "critical") {
				found++
			}
		}
		return found == 2
	})
	waitUntil(t, "the webhook deliveries", func() bool {
		mu.Lock()
		defer mu.Unlock()
		all := strings.Join(deliveries, "\n")
		return strings.Contains(all, honeypotKey) && strings.Contains(all, canaryKey)
	})
	var sec struct {
		Decoys struct {
			Recent []struct {
				Kind, SourceIP string
				FirstBytes     string `json:"first_bytes"`
			} `json:"recent"`
			Sources []struct {
				SourceIP string `json:"source_ip"`
			} `json:"sources"`
		} `json:"decoys"`
	}
	c.call(t, http.MethodGet, "/api/v1/security", "", nil, http.StatusOK, &sec)
	if len(sec.Decoys.Sources) != 1 || sec.Decoys.Sources[0].SourceIP != "127.0.0.1" {
		t.Errorf("sources %+v, want 127.0.0.1", sec.Decoys.Sources)
	}
	var sent string
	for _, e := range sec.Decoys.Recent {
		if e.Kind == "honeypot" {
			sent = e.FirstBytes
		}
	}
	if sent != strconv.Quote("USER root\r\n") {
		t.Errorf("first bytes %q, want what the test sent", sent)
	}
	h.terminate(t)
}
