package main_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.yaml.in/yaml/v3"
)

// TestGrafanaOnEmbeddedDatabase runs the real hub with MONSYS_PG_LISTEN:
// Grafana's role logs in over TCP with its password and reads a view;
// the owner role over TCP, a wrong password and the old password after a
// rotation are refused; `monsys grafana datasource` prints YAML naming
// that host, port and user. Without a password the hub refuses to start.
func TestGrafanaOnEmbeddedDatabase(t *testing.T) {
	bin := buildHub(t)
	port := strconv.Itoa(freePort(t))
	listen := "MONSYS_PG_LISTEN=127.0.0.1:" + port

	t.Run("no password, no start", func(t *testing.T) {
		s := newSite(t, bin, listen)
		_, stderr, code := s.run(t, "serve")
		if code == 0 || !strings.Contains(stderr, "MONSYS_PG_LISTEN is set but MONSYS_GRAFANA_DB_PASSWORD is empty") {
			t.Errorf("serve with MONSYS_PG_LISTEN and no password: exit %d, stderr %q; want a refusal naming the password", code, stderr)
		}
	})

	s := newSite(t, bin, "MONSYS_ADMIN_EMAIL="+ownerEmail, "MONSYS_ADMIN_PASSWORD="+ownerPassword,
		listen, "MONSYS_GRAFANA_DB_PASSWORD=first 'pass\" word")
	h := s.start(t)
	h.waitHealthy(t)

	tcp := func(user, password string) string {
		return "host=127.0.0.1 port=" + port + " dbname=monsys sslmode=disable user=" + user +
			" password='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(password) + "'"
	}
	conn := connectTCP(t, tcp("monsys_grafana", "first 'pass\" word"))
	var agents int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM grafana.agents`).Scan(&agents); err != nil {
		t.Fatalf("monsys_grafana over TCP cannot read grafana.agents: %v", err)
	}
	if _, err := conn.Exec(context.Background(), `SELECT count(*) FROM users`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("monsys_grafana read the users table: %v; want permission denied", err)
	}
	_ = conn.Close(context.Background())

	refused(t, tcp("postgres", ""), "no pg_hba.conf entry")
	refused(t, tcp("postgres", "first 'pass\" word"), "no pg_hba.conf entry")
	refused(t, tcp("monsys_grafana", "wrong"), "password authentication failed")

	out, stderr, code := s.run(t, "grafana", "datasource")
	if code != 0 {
		t.Fatalf("monsys grafana datasource: exit %d, stderr %s", code, stderr)
	}
	var file struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Type, URL, User string
			JSONData        map[string]any    `yaml:"jsonData"`
			SecureJSONData  map[string]string `yaml:"secureJsonData"`
		}
	}
	if err := yaml.Unmarshal([]byte(out), &file); err != nil {
		t.Fatalf("datasource YAML does not parse: %v\n%s", err, out)
	}
	if len(file.Datasources) != 1 {
		t.Fatalf("datasource YAML holds %d datasources, want 1:\n%s", len(file.Datasources), out)
	}
	ds := file.Datasources[0]
	if file.APIVersion != 1 || ds.Type != "grafana-postgresql-datasource" || ds.URL != "127.0.0.1:"+port ||
		ds.User != "monsys_grafana" || ds.JSONData["database"] != "monsys" || ds.JSONData["sslmode"] != "disable" ||
		ds.SecureJSONData["password"] != "${MONSYS_GRAFANA_DB_PASSWORD}" {
		t.Errorf("datasource YAML names the wrong connection:\n%s", out)
	}
	if strings.Contains(out, "first 'pass") {
		t.Errorf("datasource YAML holds the password itself:\n%s", out)
	}

	// A new password at the next start replaces the old one.
	h.terminate(t)
	s.env[len(s.env)-1] = "MONSYS_GRAFANA_DB_PASSWORD=second"
	h = s.start(t)
	h.waitHealthy(t)
	refused(t, tcp("monsys_grafana", "first 'pass\" word"), "password authentication failed")
	_ = connectTCP(t, tcp("monsys_grafana", "second")).Close(context.Background())
	h.terminate(t)
}

func connectTCP(t *testing.T, connString string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatalf("connect over TCP: %v", err)
	}
	return conn
}

func refused(t *testing.T, connString, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err == nil {
		_ = conn.Close(ctx)
		t.Errorf("%s: connected; want refused with %q", strings.SplitN(connString, " password", 2)[0], want)
		return
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: %v; want %q", strings.SplitN(connString, " password", 2)[0], err, want)
	}
}
