package pglocal

import (
	"strings"
	"testing"
)

// TestHBAOpensTCPToItsRolesOnly: without TCP pg_hba.conf has no host line
// (initdb's trust lines for 127.0.0.1 are gone); with it, one password line
// per role and nothing else.
func TestHBAOpensTCPToItsRolesOnly(t *testing.T) {
	if got := hbaConfig(nil); strings.Contains(got, "host") || !strings.Contains(got, "local   all          all            trust") {
		t.Errorf("socket-only pg_hba.conf:\n%s", got)
	}
	got := hbaConfig(&TCPAccess{Address: "127.0.0.1:5433", Roles: []string{"monsys_grafana"}})
	var hosts []string
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "host") {
			hosts = append(hosts, strings.Join(strings.Fields(line), " "))
		}
	}
	if len(hosts) != 1 || hosts[0] != "host all monsys_grafana all scram-sha-256" {
		t.Errorf("host lines %q; want only monsys_grafana with scram-sha-256", hosts)
	}
	for _, bad := range []TCPAccess{{Address: "5433", Roles: []string{"r"}}, {Address: ":5433", Roles: []string{"r"}},
		{Address: "127.0.0.1:5433"}, {Address: "127.0.0.1:5433", Roles: []string{"Bad-Role"}}} {
		if _, _, err := bad.listenHost(); err == nil {
			t.Errorf("TCPAccess %+v accepted", bad)
		}
	}
}
