package main_test

import (
	"path/filepath"
	"testing"
)

// consoleFixture is a running hub with one enrolled real agent, for the
// console tests.
type consoleFixture struct {
	site    *site
	hub     *hub
	agent   *agentProc
	state   string // the agent's state directory
	agentID string
}

// startConsoleFixture starts the hub and enrolls an agent run with
// agentArgs (its --console and --console-user flags).
func startConsoleFixture(t *testing.T, agentArgs ...string) consoleFixture {
	t.Helper()
	hubBin, agentBin := buildHub(t), buildAgent(t)
	s := newSite(t, hubBin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword)
	h := s.startOn(t, freePort(t))
	h.waitHealthy(t)
	m := enrollLine.FindStringSubmatch(h.Stdout(t))
	if m == nil {
		t.Fatalf("no enroll command in the banner:\n%s", h.Stdout(t))
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	a := startAgent(t, agentBin, dir, append([]string{"--hub", h.url, "--token", m[3], "--state-dir", state}, agentArgs...)...)
	return consoleFixture{site: s, hub: h, agent: a, state: state, agentID: waitAgentID(t, state, a)}
}
