package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != ":8080" || cfg.DataDir != "./monsys-data" || cfg.TSDB != "auto" || cfg.PublicURL != "http://localhost:8080" {
		t.Fatalf("defaults: %+v", cfg)
	}
	if cfg.SessionIdle != 30*time.Minute || cfg.SessionMaxAge != 12*time.Hour {
		t.Fatalf("session defaults: idle %s, max %s", cfg.SessionIdle, cfg.SessionMaxAge)
	}
}

func TestFlagBeatsEnvBeatsDefault(t *testing.T) {
	cfg, err := Load([]string{"MONSYS_LISTEN=127.0.0.1:9000", "MONSYS_TSDB=postgres", "MONSYS_SESSION_IDLE_TIMEOUT=10m"})
	if err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fl := RegisterFlags(fs)
	if err := fs.Parse([]string{"--listen", "127.0.0.1:9100", "--insecure-cookies", "--db-max-conns", "8"}); err != nil {
		t.Fatal(err)
	}
	if err := fl.Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9100" {
		t.Errorf("flag did not beat env: listen %q", cfg.Listen)
	}
	if cfg.TSDB != "postgres" || cfg.SessionIdle != 10*time.Minute {
		t.Errorf("env lost to the flag default: tsdb %q idle %s", cfg.TSDB, cfg.SessionIdle)
	}
	if !cfg.InsecureCookies || cfg.DBMaxConns != 8 {
		t.Errorf("flags not applied: %+v", cfg)
	}
}

func TestSecretFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(path, []byte("s3cret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load([]string{"MONSYS_ADMIN_PASSWORD_FILE=" + path})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AdminPassword != "s3cret-from-file" {
		t.Fatalf("password %q, want the file's content without newline", cfg.AdminPassword)
	}
	_, err = Load([]string{"MONSYS_ADMIN_PASSWORD_FILE=" + path, "MONSYS_ADMIN_PASSWORD=x"})
	if err == nil || !strings.Contains(err.Error(), "MONSYS_ADMIN_PASSWORD") {
		t.Fatalf("both set: err = %v, want one naming the variable", err)
	}
	if _, err := Load([]string{"MONSYS_DATABASE_URL_FILE=/nonexistent/x"}); err == nil || !strings.Contains(err.Error(), "MONSYS_DATABASE_URL_FILE") {
		t.Fatalf("missing file: err = %v", err)
	}
}

func TestValidateNamesTheVariable(t *testing.T) {
	cases := map[string]string{
		"MONSYS_TSDB=influx":                              "MONSYS_TSDB",
		"MONSYS_LISTEN=8080":                              "MONSYS_LISTEN",
		"MONSYS_PUBLIC_URL=ftp://x":                       "MONSYS_PUBLIC_URL",
		"MONSYS_LOG_LEVEL=loud":                           "MONSYS_LOG_LEVEL",
		"MONSYS_DB_MAX_CONNS=1":                           "MONSYS_DB_MAX_CONNS",
		"MONSYS_ADMIN_EMAIL=nobody":                       "MONSYS_ADMIN_EMAIL",
		"MONSYS_SESSION_IDLE_TIMEOUT=10s":                 "MONSYS_SESSION_IDLE_TIMEOUT",
		"MONSYS_RETENTION_1M=24h":                         "MONSYS_RETENTION_1M",
		"MONSYS_RETENTION_1H=720h":                        "MONSYS_RETENTION_1H", // shorter than the 1m tier's 4320h
		"MONSYS_SMTP_URL=http://mail":                     "MONSYS_SMTP_URL",
		"MONSYS_SMTP_FROM=monsys":                         "MONSYS_SMTP_FROM",
		"MONSYS_TOTP_KEY=abcd":                            "MONSYS_TOTP_KEY",
		"MONSYS_TOTP_KEY=" + strings.Repeat("00", 32):     "MONSYS_TOTP_KEY",
		"MONSYS_SILENT_AFTER_INTERVALS=1":                 "MONSYS_SILENT_AFTER_INTERVALS",
		"MONSYS_WEBHOOK_ALLOW_CIDRS=10.0.0.0/8,localhost": "MONSYS_WEBHOOK_ALLOW_CIDRS",
		"MONSYS_PPROF_LISTEN=6060":                        "MONSYS_PPROF_LISTEN",
		"MONSYS_AI_URL=ftp://models":                      "MONSYS_AI_URL",
		"MONSYS_AI_URL=http://127.0.0.1:11434/v1":         "MONSYS_AI_MODEL", // a URL without a model
	}
	for kv, name := range cases {
		cfg, err := Load([]string{kv})
		if err != nil {
			t.Fatalf("%s: load: %v", kv, err)
		}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: Validate = %v, want an error naming %s", kv, err, name)
		}
	}
	if _, err := Load([]string{"MONSYS_DB_MAX_CONNS=many"}); err == nil {
		t.Error("a non-number for an int variable was accepted")
	}
}

func TestSummaryRedactsSecrets(t *testing.T) {
	cfg, _ := Load([]string{"MONSYS_DATABASE_URL=postgres://monsys:hunter2@db:5432/monsys?sslmode=require&password=hunter3",
		"MONSYS_ADMIN_PASSWORD=hunter4"})
	summary := fmt.Sprint(cfg.Summary()...)
	for _, secret := range []string{"hunter2", "hunter3", "hunter4"} {
		if strings.Contains(summary, secret) {
			t.Errorf("summary leaks %s: %s", secret, summary)
		}
	}
}

// TestPGListenNeedsAPassword: opening the embedded PostgreSQL to TCP
// without the password Grafana logs in with is refused at start, with a
// message naming both variables; the password may come from a file.
func TestPGListenNeedsAPassword(t *testing.T) {
	cfg, err := Load([]string{"MONSYS_PG_LISTEN=127.0.0.1:5433"})
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "MONSYS_PG_LISTEN is set but MONSYS_GRAFANA_DB_PASSWORD is empty") ||
		!strings.Contains(err.Error(), "MONSYS_GRAFANA_DB_PASSWORD_FILE") {
		t.Fatalf("Validate = %v, want the missing password named", err)
	}
	path := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(path, []byte("graf-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = Load([]string{"MONSYS_PG_LISTEN=127.0.0.1:5433", "MONSYS_GRAFANA_DB_PASSWORD_FILE=" + path})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil || cfg.GrafanaDBPassword != "graf-pw" {
		t.Fatalf("Validate = %v, password %q; want valid with the file's password", err, cfg.GrafanaDBPassword)
	}
	for _, env := range [][]string{
		{"MONSYS_PG_LISTEN=5433", "MONSYS_GRAFANA_DB_PASSWORD=x"},
		{"MONSYS_PG_LISTEN=127.0.0.1:5433", "MONSYS_GRAFANA_DB_PASSWORD=x", "MONSYS_DATABASE_URL=postgres://db/monsys"},
	} {
		cfg, err := Load(env)
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "MONSYS_PG_LISTEN") {
			t.Errorf("%v: Validate = %v, want an error naming MONSYS_PG_LISTEN", env, err)
		}
	}
}
