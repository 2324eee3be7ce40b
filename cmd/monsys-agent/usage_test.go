package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/monsys/monsys/agent"
)

// TestHelpDescribesEveryFlagAndCommand: --help (on stdout, exit 0) names
// the version command and every flag with its environment variable; a bad
// flag is reported once, on stderr, with exit 2.
func TestHelpDescribesEveryFlagAndCommand(t *testing.T) {
	var out, errs bytes.Buffer
	if code := (Main{Args: []string{"--help"}, Stdout: &out, Stderr: &errs}).Run(context.Background()); code != 0 || errs.Len() != 0 {
		t.Fatalf("--help: exit %d, stderr %q", code, errs.String())
	}
	help := out.String()
	for _, want := range []string{"monsys-agent version", "-hub", "MONSYS_AGENT_HUB", "-token", "-state-dir", "-interval",
		"-spool-max-bytes", "-root", "-push", "-config", "MONSYS_AGENT_CONFIG"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help does not mention %q:\n%s", want, help)
		}
	}
	for _, name := range agent.FlagNames() {
		if !strings.Contains(help, "-"+name+" ") {
			t.Errorf("--help lacks the flag -%s", name)
		}
	}

	out.Reset()
	errs.Reset()
	if code := (Main{Args: []string{"--bogus"}, Stdout: &out, Stderr: &errs}).Run(context.Background()); code != 2 {
		t.Errorf("--bogus: exit %d, want 2", code)
	}
	if n := strings.Count(errs.String(), "-bogus"); n != 1 || out.Len() != 0 {
		t.Errorf("--bogus: stderr %q (named %d times), stdout %q; want the error once", errs.String(), n, out.String())
	}
}
