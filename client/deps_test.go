package client

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCommandLineImportsNoServerCode keeps the command line's packages a
// client of the API, usable anywhere: no pgx, no Fiber, no hub package
// that reaches the database.
func TestCommandLineImportsNoServerCode(t *testing.T) {
	const self = "github.com/monsys/monsys/"
	out, err := exec.Command("go", "list", "-deps", ".", "../output", "../cliconfig").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	allowed := map[string]bool{"client": true, "output": true, "cliconfig": true}
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case strings.Contains(pkg, "jackc/pgx"), strings.Contains(pkg, "gofiber"), strings.Contains(pkg, "valyala/fasthttp"):
			t.Errorf("the command line's packages import %s: server dependencies do not belong in a client", pkg)
		case strings.HasPrefix(pkg, self) && !allowed[strings.TrimPrefix(pkg, self)]:
			t.Errorf("the command line's packages import the hub package %s", pkg)
		}
	}
}
