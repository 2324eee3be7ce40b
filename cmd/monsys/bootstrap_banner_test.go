package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAgentCommandNamesABinaryThatExists: the banner's enroll command runs
// the agent make build left in ./bin when it is there, else monsys-agent
// on the PATH.
func TestAgentCommandNamesABinaryThatExists(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const enroll = "monsys-agent --hub http://h --token mse_x"
	if got := agentCommand(enroll); got != enroll {
		t.Errorf("without ./bin/monsys-agent: %q, want %q", got, enroll)
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "monsys-agent"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := agentCommand(enroll); got != "./bin/"+enroll {
		t.Errorf("with ./bin/monsys-agent: %q, want ./bin/%s", got, enroll)
	}
}
