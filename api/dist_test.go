package api

import (
	"errors"
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
	for name, tc := range map[string]struct{ query, want string }{
		"no token":      {"", "must be an enrollment token"},
		"agent token":   {"?token=" + e.agent(fx.Tenant.ID, "x").Token, "must be an enrollment token"},
		"expired token": {"?token=" + expired, "unknown, revoked, expired or used up"},
		"unknown token": {"?token=" + tok[:len(tok)-4] + "AAAA", "must be an enrollment token"},
	} {
		// 200 with a script that says why and exits 1: "curl -f … | sh"
		// would show nothing of a 4xx but "curl: (22)".
		got := e.do("GET", "/api/v1/agent/install.sh"+tc.query, cred{}, nil)
		if got.Status != http.StatusOK || !strings.HasPrefix(got.Header.Get("Content-Type"), "text/x-shellscript") {
			t.Errorf("%s: %d %s, want 200 and a script", name, got.Status, got.Header.Get("Content-Type"))
			continue
		}
		out, code := runScript(t, got.Body, nil)
		if code != 1 || !strings.Contains(out, tc.want) {
			t.Errorf("%s: the script exited %d saying %q; want exit 1 saying %q", name, code, out, tc.want)
		}
	}
}

// runScript runs an install script with sh and the extra environment, and
// answers what it printed and its exit code.
func runScript(t *testing.T, script []byte, env []string) (string, int) {
	t.Helper()
	cmd := exec.Command("sh", "-s")
	cmd.Stdin = strings.NewReader(string(script))
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run the script: %v", err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// TestInstallScriptChecksTheBinary runs the served script (into a staging
// root, systemd left alone) against the hub: it installs the agent it
// downloads when its SHA-256 is the one the script was built with, and
// refuses, exit 1, a binary changed after that.
func TestInstallScriptChecksTheBinary(t *testing.T) {
	t.Parallel()
	dist := t.TempDir()
	arch := map[string]string{"x86_64": "amd64", "aarch64": "arm64"}[uname(t)]
	if arch == "" {
		t.Fatalf("no agent build for this machine (%s)", uname(t))
	}
	agentPath := filepath.Join(dist, "monsys-agent-linux-"+arch)
	if err := os.WriteFile(agentPath, []byte("#!/bin/sh\necho monsys-agent test\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.AgentDistDir = dist })
	fx := e.newTenant("install")
	tok, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	script := e.do("GET", "/api/v1/agent/install.sh?token="+tok, cred{}, nil).Body

	root := t.TempDir()
	out, code := runScript(t, script, []string{"MONSYS_INSTALL_ROOT=" + root})
	if code != 0 {
		t.Fatalf("install exited %d:\n%s", code, out)
	}
	installed, err := os.ReadFile(filepath.Join(root, "usr/local/bin/monsys-agent"))
	if err != nil || !strings.Contains(string(installed), "monsys-agent test") {
		t.Errorf("installed binary %q (%v), want the hub's", installed, err)
	}
	conf, err := os.ReadFile(filepath.Join(root, "etc/monsys-agent/agent.conf"))
	if err != nil || !strings.Contains(string(conf), "MONSYS_AGENT_HUB="+e.base) {
		t.Errorf("agent.conf %q (%v)", conf, err)
	}

	// The binary changes between the script and the download.
	if err := os.WriteFile(agentPath, []byte("#!/bin/sh\necho tampered\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	again := t.TempDir()
	out, code = runScript(t, script, []string{"MONSYS_INSTALL_ROOT=" + again})
	if code != 1 || !strings.Contains(out, "SHA-256") {
		t.Errorf("a tampered binary: exit %d, %q; want exit 1 naming the SHA-256", code, out)
	}
	if _, err := os.Stat(filepath.Join(again, "usr/local/bin/monsys-agent")); err == nil {
		t.Errorf("the tampered binary was installed")
	}
}

// TestInstallScriptDropsTheTokenOnceRegistered runs the served script into
// a staging root with a systemd of the test's own: a systemctl on PATH
// whose restart "registers" the agent (writes its state.json) only if
// agent.conf holds the token then. The script starts the agent, waits for
// the registration and removes the token from agent.conf, keeping the rest.
func TestInstallScriptDropsTheTokenOnceRegistered(t *testing.T) {
	t.Parallel()
	dist := t.TempDir()
	arch := map[string]string{"x86_64": "amd64", "aarch64": "arm64"}[uname(t)]
	if arch == "" {
		t.Fatalf("no agent build for this machine (%s)", uname(t))
	}
	if err := os.WriteFile(filepath.Join(dist, "monsys-agent-linux-"+arch), []byte("#!/bin/sh\necho monsys-agent test\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.AgentDistDir = dist })
	fx := e.newTenant("install")
	tok, _ := e.enrollmentToken(fx.Tenant.ID, nil, nil)
	script := e.do("GET", "/api/v1/agent/install.sh?token="+tok, cred{}, nil).Body

	root, bin := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "run/systemd/system"), 0o755); err != nil {
		t.Fatal(err)
	}
	systemctl := `#!/bin/sh
echo "$*" >> "$MONSYS_INSTALL_ROOT/systemctl.log"
[ "$1" = restart ] || exit 0
grep -q '^MONSYS_AGENT_TOKEN=` + tok + `$' "$MONSYS_INSTALL_ROOT/etc/monsys-agent/agent.conf" || { echo "no token to register with" >&2; exit 1; }
mkdir -p "$MONSYS_INSTALL_ROOT/var/lib/monsys-agent"
echo '{"agent_id":"registered"}' > "$MONSYS_INSTALL_ROOT/var/lib/monsys-agent/state.json"
`
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(systemctl), 0o755); err != nil {
		t.Fatal(err)
	}
	out, code := runScript(t, script, []string{"MONSYS_INSTALL_ROOT=" + root, "PATH=" + bin + ":" + os.Getenv("PATH")})
	if code != 0 || !strings.Contains(out, "registered and started") {
		t.Fatalf("install with systemd exited %d:\n%s", code, out)
	}
	calls, err := os.ReadFile(filepath.Join(root, "systemctl.log"))
	if err != nil || !strings.Contains(string(calls), "enable monsys-agent.service") || !strings.Contains(string(calls), "restart monsys-agent.service") {
		t.Errorf("systemctl was called with %q (%v), want enable and restart", calls, err)
	}
	conf, err := os.ReadFile(filepath.Join(root, "etc/monsys-agent/agent.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(conf), tok) || strings.Contains(string(conf), "MONSYS_AGENT_TOKEN") {
		t.Errorf("agent.conf still holds the enrollment token after registration:\n%s", conf)
	}
	if !strings.Contains(string(conf), "MONSYS_AGENT_HUB="+e.base) || !strings.Contains(string(conf), "MONSYS_AGENT_STATE_DIR=/var/lib/monsys-agent") {
		t.Errorf("agent.conf lost more than the token:\n%s", conf)
	}
}

func uname(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("uname", "-m").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
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
