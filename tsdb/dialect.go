package tsdb

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Dialect is the storage flavour of the connected database.
type Dialect string

// The two dialects monsys runs on.
const (
	TimescaleDB Dialect = "timescaledb"
	Postgres    Dialect = "postgres"
)

// ErrTimescaleUnavailable is returned when TimescaleDB is demanded but the
// server cannot load it.
var ErrTimescaleUnavailable = errors.New("timescaledb extension is not available on this server")

// detectSQL: the extension is usable when it is installed in this database,
// or when the server offers it and preloads its library (it cannot be
// created otherwise).
const detectSQL = `SELECT
  EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'),
  EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),
  current_setting('shared_preload_libraries') ~ '(^|[ ,])timescaledb($|[ ,])',
  to_regclass('public.tenants') IS NOT NULL`

// Detect decides the dialect. mode is "auto", "timescaledb" or "postgres"
// (MONSYS_TSDB): auto picks TimescaleDB when the server can use it, except
// on a database already migrated without it, whose schema stays plain.
func Detect(ctx context.Context, conn *pgx.Conn, mode string) (Dialect, error) {
	var installed, available, preloaded, migrated bool
	if err := conn.QueryRow(ctx, detectSQL).Scan(&installed, &available, &preloaded, &migrated); err != nil {
		return "", fmt.Errorf("detect timescaledb: %w", err)
	}
	usable := installed || (available && preloaded && !migrated)
	switch mode {
	case "postgres":
		if installed {
			return "", fmt.Errorf("MONSYS_TSDB=postgres but this database already has the timescaledb extension: its schema was built for TimescaleDB")
		}
		return Postgres, nil
	case "timescaledb":
		if migrated && !installed {
			return "", fmt.Errorf("MONSYS_TSDB=timescaledb but this database was migrated for plain PostgreSQL")
		}
		if !usable {
			return "", fmt.Errorf("MONSYS_TSDB=timescaledb: %w (install it and add it to shared_preload_libraries)", ErrTimescaleUnavailable)
		}
		return TimescaleDB, nil
	case "auto", "":
		if usable {
			return TimescaleDB, nil
		}
		return Postgres, nil
	}
	return "", fmt.Errorf("unknown MONSYS_TSDB mode %q", mode)
}
