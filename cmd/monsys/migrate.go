package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/migrations"
	"github.com/monsys/monsys/tsdb"
)

func newMigrateCommand(environ []string, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Apply or inspect database migrations (serve applies them on start)"}
	flags := config.RegisterFlags(cmd.PersistentFlags())
	up := &cobra.Command{
		Use: "up", Short: "Apply every pending migration", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDatabase(cmd.Context(), environ, flags, func(ctx context.Context, _ config.Config, db *database) error {
				if err := db.migrate(ctx); err != nil {
					return err
				}
				return printStatus(ctx, db, stdout)
			})
		},
	}
	status := &cobra.Command{
		Use: "status", Short: "Show the applied and pending migrations", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDatabase(cmd.Context(), environ, flags, func(ctx context.Context, _ config.Config, db *database) error {
				return printStatus(ctx, db, stdout)
			})
		},
	}
	cmd.AddCommand(up, status)
	return cmd
}

func printStatus(ctx context.Context, db *database, out io.Writer) error {
	conn, err := db.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	st, err := migrations.CurrentStatus(ctx, conn, migrations.Options{TimescaleDB: db.dialect == tsdb.TimescaleDB})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "dialect: %s\nschema version: %d of %d\n", db.dialect, st.Current, st.Latest)
	for _, name := range st.Pending {
		fmt.Fprintf(out, "pending: %s\n", name)
	}
	return nil
}

// withDatabase runs fn against the configured database for a one-shot CLI
// command, starting the embedded cluster if needed and stopping it after
// unless a serving hub was already running it.
func withDatabase(ctx context.Context, environ []string, flags *config.Flags, fn func(context.Context, config.Config, *database) error) (err error) {
	cfg, err := loadConfig(environ, flags)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.release(ctx)) }()
	return fn(ctx, cfg, db)
}
