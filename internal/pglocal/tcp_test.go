package pglocal

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
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

// TestTCPForItsRolesOnly opens a real cluster to TCP for one role: the
// superuser is refused there (no pg_hba.conf line), the role logs in with
// its password, and reusing the running server without TCP is refused
// rather than silently serving another listener than asked for.
func TestTCPForItsRolesOnly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // only finding a free port
	dir := clusterDir(t, "pglocal-tcp-")
	c := openCluster(t, Options{Dir: dir, Fast: true, TCP: &TCPAccess{Address: addr, Roles: []string{"reader"}}})
	admin := connect(t, c)
	if _, err := admin.Exec(context.Background(), `CREATE ROLE reader LOGIN PASSWORD 'reader pw'`); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	tcp := func(user, password string) error {
		conn, err := pgx.Connect(context.Background(), "host="+host+" port="+port+" dbname=postgres sslmode=disable user="+user+" password='"+password+"'")
		if err == nil {
			_ = conn.Close(context.Background())
		}
		return err
	}
	if err := tcp("reader", "reader pw"); err != nil {
		t.Errorf("reader over TCP: %v", err)
	}
	if err := tcp("postgres", ""); err == nil || !strings.Contains(err.Error(), "no pg_hba.conf entry") {
		t.Errorf("superuser over TCP: %v; want no pg_hba.conf entry", err)
	}
	if _, err := Open(context.Background(), Options{Dir: dir, Port: c.port}); err == nil || !strings.Contains(err.Error(), "listens on TCP") {
		t.Errorf("reusing the TCP server socket-only: %v; want a refusal naming TCP", err)
	}
	if hba, err := os.ReadFile(filepath.Join(dir, "data", "pg_hba.conf")); err != nil || !strings.Contains(string(hba), "reader") {
		t.Errorf("the refused reuse rewrote the running server's pg_hba.conf (%v):\n%s", err, hba)
	}
}
