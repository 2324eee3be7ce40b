package api

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInstallScript checks the script carries the configured public URL
// (never the request's Host) and the token, parses as POSIX sh, and that
// tokens that cannot enroll get a problem instead.
func TestInstallScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.PublicURL = "https://hub.example.test" })
	fx := e.newTenant("install")
	tok, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)

	got := e.do("GET", "/api/v1/agent/install.sh?token="+tok, cred{}, nil, "Host", "evil.example")
	if got.Status != http.StatusOK {
		t.Fatalf("install.sh = %d: %s", got.Status, got.Body)
	}
	script := string(got.Body)
	for _, want := range []string{"HUB='https://hub.example.test'", "TOKEN='" + tok + "'", "/api/v1/agent/download/linux/$ARCH",
		"ExecStart=/usr/local/bin/monsys-agent", "systemctl enable monsys-agent.service"} {
		if !strings.Contains(script, want) {
			t.Errorf("install.sh lacks %q", want)
		}
	}
	if strings.Contains(script, "evil.example") {
		t.Errorf("install.sh reflects the request's Host header")
	}
	if cc := got.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store: the script holds a token", cc)
	}
	if sh, err := exec.LookPath("sh"); err == nil {
		path := filepath.Join(t.TempDir(), "install.sh")
		if err := os.WriteFile(path, got.Body, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(sh, "-n", path).CombinedOutput(); err != nil {
			t.Errorf("sh -n install.sh: %v\n%s", err, out)
		}
	}

	past := time.Now().Add(-time.Hour)
	expired, _ := e.enrollmentToken(fx.Tenant.ID, &past, nil)
	for name, tc := range map[string]struct {
		query string
		want  int
	}{
		"no token":      {"", http.StatusBadRequest},
		"agent token":   {"?token=" + e.agent(fx.Tenant.ID, "x").Token, http.StatusBadRequest},
		"expired token": {"?token=" + expired, http.StatusNotFound},
		"unknown token": {"?token=" + tok[:len(tok)-4] + "AAAA", http.StatusBadRequest},
	} {
		got := e.do("GET", "/api/v1/agent/install.sh"+tc.query, cred{}, nil)
		if got.Status != tc.want || got.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem: %s", name, got.Status, got.Header.Get("Content-Type"), tc.want, got.Body)
		}
	}
}

// TestAgentDownload serves a binary from the dist directory and answers a
// missing one or an unknown architecture with a problem saying how to fix it.
func TestAgentDownload(t *testing.T) {
	t.Parallel()
	dist := t.TempDir()
	payload := []byte("\x7fELF agent bytes")
	if err := os.WriteFile(filepath.Join(dist, "monsys-agent-linux-amd64"), payload, 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.AgentDistDir = dist })
	got := e.do("GET", "/api/v1/agent/download/linux/amd64", cred{}, nil)
	if got.Status != http.StatusOK || string(got.Body) != string(payload) {
		t.Fatalf("download amd64 = %d %q, want 200 with the file", got.Status, got.Body)
	}
	got = e.do("GET", "/api/v1/agent/download/linux/arm64", cred{}, nil)
	if got.Status != http.StatusNotFound || !strings.Contains(string(got.Body), "GOARCH=arm64") {
		t.Errorf("missing arm64 = %d %s, want 404 saying how to build it", got.Status, got.Body)
	}
	got = e.do("GET", "/api/v1/agent/download/linux/mips", cred{}, nil)
	if got.Status != http.StatusNotFound {
		t.Errorf("unknown arch = %d, want 404", got.Status)
	}
}

// TestUnitFileMatchesDeploy keeps deploy/systemd/monsys-agent.service and
// the unit the install script writes the same text.
func TestUnitFileMatchesDeploy(t *testing.T) {
	b, err := os.ReadFile("../deploy/systemd/monsys-agent.service")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != agentUnit {
		t.Errorf("deploy/systemd/monsys-agent.service differs from api.agentUnit: keep them equal")
	}
}
