package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAgentImportsNoServerCode keeps the agent binary small and safe: it
// may use wire, pkgversion and its own agent packages from this module, never pgx,
// Fiber or a hub package.
func TestAgentImportsNoServerCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	const self = "github.com/monsys/monsys/"
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case strings.Contains(pkg, "jackc/pgx"), strings.Contains(pkg, "gofiber"), strings.Contains(pkg, "valyala/fasthttp"):
			t.Errorf("the agent imports %s: server dependencies do not belong in it", pkg)
		case strings.HasPrefix(pkg, self):
			rest := strings.TrimPrefix(pkg, self)
			// pkgversion is pure version ordering, stdlib only, shared like wire.
			if rest != "wire" && rest != "pkgversion" && rest != "agent" && !strings.HasPrefix(rest, "agent/") && rest != "cmd/monsys-agent" {
				t.Errorf("the agent imports the hub package %s", pkg)
			}
		}
	}
}
