package migrations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed sql/*.sql
var files embed.FS

// versionTable records the applied version; it lives in the public schema.
const versionTable = "public.schema_version"

// Options selects the dialect the templates render for.
type Options struct {
	// TimescaleDB renders the {{if .timescaledb}} branches.
	TimescaleDB bool
}

// Status is the state of the database against the embedded set.
type Status struct {
	Current int32    // applied version, 0 on an empty database
	Latest  int32    // highest embedded version
	Pending []string // names of files not applied yet, in order
}

func newMigrator(ctx context.Context, conn *pgx.Conn, opts Options) (*migrate.Migrator, error) {
	m, err := migrate.NewMigratorEx(ctx, conn, versionTable, &migrate.MigratorOptions{})
	if err != nil {
		return nil, fmt.Errorf("create migrator: %w", err)
	}
	m.Data["timescaledb"] = opts.TimescaleDB
	sub, err := fs.Sub(files, "sql")
	if err != nil {
		return nil, fmt.Errorf("open embedded migrations: %w", err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return m, nil
}

// Up applies every pending migration. conn must not be used by anyone else
// while Up runs.
func Up(ctx context.Context, conn *pgx.Conn, opts Options) error {
	m, err := newMigrator(ctx, conn, opts)
	if err != nil {
		return err
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// CurrentStatus reports the applied and embedded versions without changing
// anything.
func CurrentStatus(ctx context.Context, conn *pgx.Conn, opts Options) (Status, error) {
	m, err := newMigrator(ctx, conn, opts)
	if err != nil {
		return Status{}, err
	}
	cur, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("read schema version: %w", err)
	}
	st := Status{Current: cur, Latest: int32(len(m.Migrations))}
	for _, mig := range m.Migrations {
		if mig.Sequence > cur {
			st.Pending = append(st.Pending, mig.Name)
		}
	}
	return st, nil
}
