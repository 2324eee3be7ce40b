package pglocal

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// TCPAccess opens the cluster to TCP for a few roles; every other role
// stays on the socket. PostgreSQL has one port setting for both, so the
// address's port is also the socket's (it replaces Options.Port).
type TCPAccess struct {
	// Address is host:port, e.g. 127.0.0.1:5433; 0.0.0.0 or :: listen on
	// every address of the machine.
	Address string
	// Roles may log in over TCP, with a password (scram-sha-256). The
	// caller gives them LOGIN and a password; pglocal only writes
	// pg_hba.conf.
	Roles []string
}

// listenHost returns listen_addresses and the port of a.Address.
func (a TCPAccess) listenHost() (string, int, error) {
	host, portText, err := net.SplitHostPort(a.Address)
	if err != nil || host == "" {
		return "", 0, fmt.Errorf("check options: TCP address %q: want host:port, e.g. 127.0.0.1:5433", a.Address)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("check options: TCP address %q: port out of range", a.Address)
	}
	if host == "0.0.0.0" || host == "::" {
		host = "*"
	}
	if len(a.Roles) == 0 {
		return "", 0, fmt.Errorf("check options: TCP address %q names no role that may use it", a.Address)
	}
	for _, r := range a.Roles {
		if !validRoleName(r) {
			return "", 0, fmt.Errorf("check options: TCP role %q: want lower-case letters, digits and _", r)
		}
	}
	return host, port, nil
}

func validRoleName(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for _, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// hbaConfig is the cluster's pg_hba.conf: the socket trusts every role
// (its folder is the server account's alone), and TCP lets in only the
// roles of tcp, with a password. Without tcp no host line exists at all.
func hbaConfig(tcp *TCPAccess) string {
	var b strings.Builder
	b.WriteString("# Written by monsys (internal/pglocal) at every start: edits here are lost.\n")
	b.WriteString("# TYPE  DATABASE     USER  ADDRESS  METHOD\n")
	b.WriteString("local   all          all            trust\n")
	b.WriteString("local   replication  all            trust\n")
	if tcp != nil {
		for _, r := range tcp.Roles {
			b.WriteString("host    all          " + r + "  all  scram-sha-256\n")
		}
	}
	return b.String()
}

// writeHBA replaces PGDATA/pg_hba.conf with hbaConfig(tcp), atomically and
// owned by the server's account.
func (c *Cluster) writeHBA(tcp *TCPAccess) error {
	path := filepath.Join(c.l.data, "pg_hba.conf")
	tmp := path + ".monsys"
	if err := os.WriteFile(tmp, []byte(hbaConfig(tcp)), 0o600); err != nil {
		return fmt.Errorf("write pg_hba.conf: %w", err)
	}
	if err := c.acct.own(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write pg_hba.conf: %w", err)
	}
	return nil
}

// reload makes a running server read pg_hba.conf again.
func (c *Cluster) reload(ctx context.Context) error {
	out, err := c.acct.command(ctx, c.l.dir, c.bin("pg_ctl"), "reload", "-D", c.l.data).CombinedOutput()
	if err != nil {
		return fmt.Errorf("reload server configuration on %s: %w\n%s", c.l.data, err, lastLines(string(out), 5))
	}
	return nil
}
