package main_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/monsys/monsys/wire"
)

var update = flag.Bool("update", false, "rewrite the command line's golden files under testdata/cli")

var mskKey = regexp.MustCompile(`msk_[0-9A-Za-z]+`)

// cliUser runs the command line as one person on this machine: a home
// and configuration file of its own, UTC, no color.
type cliUser struct {
	bin  string
	home string
}

func newCLIUser(t *testing.T, bin string) *cliUser {
	t.Helper()
	return &cliUser{bin: bin, home: t.TempDir()}
}

// configPath is the user's stored contexts.
func (u *cliUser) configPath() string { return filepath.Join(u.home, "monsys.json") }

// cliRun is one finished command.
type cliRun struct {
	args           []string
	stdout, stderr string
	code           int
}

// run runs `monsys args…` with stdin and extra environment variables.
func (u *cliUser) run(t *testing.T, stdin string, env []string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliWithin)
	defer cancel()
	cmd := exec.CommandContext(ctx, u.bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MONSYS_") && !strings.HasPrefix(kv, "NO_COLOR=") && !strings.HasPrefix(kv, "TZ=") &&
			!strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOME="+u.home, "MONSYS_CONFIG="+u.configPath(), "TZ=UTC", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Dir = u.home // files the test hands over are named relative to it
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := cliRun{args: args, stdout: out.String(), stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("monsys %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("monsys %s did not finish within %v", strings.Join(args, " "), cliWithin)
	}
	return r
}

// must runs a command that has to succeed.
func (u *cliUser) must(t *testing.T, args ...string) cliRun {
	t.Helper()
	r := u.run(t, "", nil, args...)
	if r.code != 0 {
		t.Fatalf("monsys %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// Masks for what differs from run to run: the hub's port, ids, secrets,
// key fingerprints, times and ages. Ages and times keep the width of a
// table column stable: an age and the spaces after it become one mask.
var cliMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d{5}\b`), "127.0.0.1:PORT"}, // the test hub's port (freePort: 20000 and up)
	{regexp.MustCompile(`\bms[eak]_[0-9A-Za-z]{20,}`), "<token>"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<id>"},
	{regexp.MustCompile(`SHA256:[A-Za-z0-9+/]{43}`), "SHA256:<fingerprint>"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), "<time>"},
	{regexp.MustCompile(`\b1\d{12}\b`), "<unix_ms>"},
	{regexp.MustCompile(`\b\d+[smhd] ago`), "<age>"},
	{regexp.MustCompile(`<age> {3,}`), "<age>   "},
	{regexp.MustCompile(`(?m)^( +)\d\d:\d\d( +)\d\d:\d\d$`), "${1}HH:MM${2}HH:MM"}, // a chart's time axis
}

func maskCLI(s string) string {
	for _, m := range cliMasks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// golden compares a run with testdata/cli/name.golden (or rewrites it with
// -update): the command, its exit code and its output, masked.
func golden(t *testing.T, name string, r cliRun) {
	t.Helper()
	var b strings.Builder
	b.WriteString("$ monsys " + strings.Join(r.args, " ") + "\n")
	b.WriteString("exit " + strconv.Itoa(r.code) + "\n")
	b.WriteString("--- stdout\n" + r.stdout)
	if r.stderr != "" {
		b.WriteString("--- stderr\n" + r.stderr)
	}
	got := maskCLI(b.String())
	path := filepath.Join("testdata", "cli", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestCLI -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("monsys %s differs from %s:\n--- got\n%s--- want\n%s", strings.Join(r.args, " "), path, got, want)
	}
}

// fleetAgent is an agent the test enrolled, with its signing key.
type fleetAgent struct {
	agent
	priv ed25519.PrivateKey
}

// ingest sends one signed batch for the agent and requires a 200.
func (h *hub) ingest(t *testing.T, a fleetAgent, batch map[string]any) {
	t.Helper()
	batch["batch_id"] = uuid.NewString()
	body, err := json.Marshal(batch)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, h.url+"/api/v1/ingest", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts, sig := wire.Sign(a.priv, wire.PurposeIngest, a.ID, time.Now(), body)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	resp, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body) // for the message only
		t.Fatalf("ingest for %s = %d: %s", a.ID, resp.StatusCode, b.String())
	}
}
