package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/monsys/monsys/config"
)

// grafanaRole is the read-only role of migration 0006: SELECT on the
// views of schema grafana, nothing else.
const grafanaRole = "monsys_grafana"

// grafanaLogin gives monsys_grafana LOGIN and MONSYS_GRAFANA_DB_PASSWORD
// when MONSYS_PG_LISTEN opens the embedded cluster to TCP. It runs at every
// start, so changing the variable rotates the password. The server hashes
// it (scram-sha-256, PostgreSQL's default); log_statement is off for the
// statement so the password reaches no log.
func (db *database) grafanaLogin(ctx context.Context, cfg config.Config) error {
	if cfg.PGListen == "" || db.cluster == nil {
		return nil
	}
	conn, err := db.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, grafanaRole).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %s: %w", grafanaRole, err)
	}
	if !exists {
		return fmt.Errorf("MONSYS_PG_LISTEN: role %s does not exist (migration 0006 could not create it; see the migration's warning)", grafanaRole)
	}
	quoted, err := conn.PgConn().EscapeString(cfg.GrafanaDBPassword)
	if err != nil {
		return fmt.Errorf("quote the password of %s: %w", grafanaRole, err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("set the password of %s: %w", grafanaRole, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it does nothing
	if _, err := tx.Exec(ctx, `SET LOCAL log_statement = 'none'`); err != nil {
		return fmt.Errorf("set the password of %s: %w", grafanaRole, err)
	}
	if _, err := tx.Exec(ctx, "ALTER ROLE "+grafanaRole+" LOGIN PASSWORD '"+quoted+"'"); err != nil {
		return fmt.Errorf("set the password of %s: %w", grafanaRole, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("set the password of %s: %w", grafanaRole, err)
	}
	db.log.Info("embedded postgresql takes TCP connections for Grafana", "address", cfg.PGListen, "role", grafanaRole)
	return nil
}

func newGrafanaCommand(environ []string, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "grafana", Short: "Connect Grafana to the embedded database"}
	var host string
	datasource := &cobra.Command{
		Use:   "datasource",
		Short: "Print Grafana's provisioning YAML for the embedded database (MONSYS_PG_LISTEN)",
		Long: "Print a Grafana datasource provisioning file for the embedded PostgreSQL, which MONSYS_PG_LISTEN\n" +
			"opens to TCP for the read-only role monsys_grafana. Save it as\n" +
			"/etc/grafana/provisioning/datasources/monsys.yaml and give Grafana's environment\n" +
			"MONSYS_GRAFANA_DB_PASSWORD (the file names the variable, never the password).",
		Args: cobra.NoArgs,
	}
	flags := config.RegisterFlags(datasource.Flags())
	datasource.Flags().StringVar(&host, "host", "", "host name Grafana reaches the hub's machine by (default: MONSYS_PG_LISTEN's host; 127.0.0.1 for 0.0.0.0 or ::)")
	datasource.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := config.Load(environ)
		if err != nil {
			return err
		}
		if err := flags.Apply(&cfg); err != nil {
			return err
		}
		out, err := grafanaDatasource(cfg, host)
		if err != nil {
			return usageErr(err)
		}
		_, err = io.WriteString(stdout, out)
		return err
	}
	cmd.AddCommand(datasource)
	return cmd
}

// grafanaDatasource is the provisioning file for the embedded database at
// cfg.PGListen, reached as host (empty: the listen address's host).
func grafanaDatasource(cfg config.Config, host string) (string, error) {
	if cfg.PGListen == "" {
		return "", errors.New("MONSYS_PG_LISTEN is not set: set it (e.g. 127.0.0.1:5433) and MONSYS_GRAFANA_DB_PASSWORD, restart the hub, then run this again")
	}
	if cfg.DatabaseURL != "" {
		return "", errors.New("MONSYS_DATABASE_URL is set: MONSYS_PG_LISTEN is for the embedded database; for your own server use deploy/grafana/provisioning")
	}
	listenHost, port, err := net.SplitHostPort(cfg.PGListen)
	if err != nil || listenHost == "" {
		return "", fmt.Errorf("MONSYS_PG_LISTEN=%q: want host:port, e.g. 127.0.0.1:5433", cfg.PGListen)
	}
	if host == "" {
		host = listenHost
		if host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
	}
	ds := provisioningFile{APIVersion: 1, Datasources: []grafanaSource{{
		Name: "monsys", UID: "monsys-pg", Type: "grafana-postgresql-datasource", Access: "proxy",
		IsDefault: true, URL: net.JoinHostPort(host, port), User: grafanaRole,
		JSONData: grafanaJSONData{Database: embeddedDatabase, SSLMode: "disable",
			PostgresVersion: postgresVersion(cfg.DataDir), TimescaleDB: true, TimeInterval: "30s", MaxOpenConns: 10},
		SecureJSONData: map[string]string{"password": "${MONSYS_GRAFANA_DB_PASSWORD}"},
	}}}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(ds); err != nil {
		return "", err
	}
	return "# Grafana datasource for monsys' embedded PostgreSQL (`monsys grafana datasource`).\n" +
		"# Grafana reads MONSYS_GRAFANA_DB_PASSWORD from its own environment. The dashboards\n" +
		"# in deploy/grafana/dashboards refer to this datasource by its uid, monsys-pg.\n" + b.String(), nil
}

type provisioningFile struct {
	APIVersion  int             `yaml:"apiVersion"`
	Datasources []grafanaSource `yaml:"datasources"`
}

type grafanaSource struct {
	Name           string            `yaml:"name"`
	UID            string            `yaml:"uid"`
	Type           string            `yaml:"type"`
	Access         string            `yaml:"access"`
	IsDefault      bool              `yaml:"isDefault"`
	Editable       bool              `yaml:"editable"`
	URL            string            `yaml:"url"`
	User           string            `yaml:"user"`
	JSONData       grafanaJSONData   `yaml:"jsonData"`
	SecureJSONData map[string]string `yaml:"secureJsonData"`
}

type grafanaJSONData struct {
	Database        string `yaml:"database"`
	SSLMode         string `yaml:"sslmode"`
	PostgresVersion int    `yaml:"postgresVersion"`
	TimescaleDB     bool   `yaml:"timescaledb"`
	TimeInterval    string `yaml:"timeInterval"`
	MaxOpenConns    int    `yaml:"maxOpenConns"`
}

// postgresVersion is Grafana's number for the embedded cluster's major
// version (1500 for 15), from PGDATA/PG_VERSION; 1500 before the first start.
func postgresVersion(dataDir string) int {
	b, err := os.ReadFile(filepath.Join(dataDir, "pg", "data", "PG_VERSION"))
	if err != nil {
		return 1500
	}
	major, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || major < 10 {
		return 1500
	}
	return major * 100
}
