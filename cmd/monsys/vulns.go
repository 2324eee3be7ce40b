package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/monsys/monsys/config"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/vuln"
	"github.com/monsys/monsys/workers"
)

// newVulns is the vulnerability service of the hub's configuration.
func newVulns(cfg config.Config, pool *pgxpool.Pool, st *store.Store, log *slog.Logger) *vuln.Service {
	return vuln.New(pool, st, vuln.Config{AlertSeverity: cfg.CVEAlertSeverity}, log)
}

// vulnJobs match agents whose packages, host or vulnerability data
// changed, and import MONSYS_CVE_DIR when its files change.
func vulnJobs(cfg config.Config, v *vuln.Service) []workers.Job {
	jobs := []workers.Job{{Name: "cve-match", Interval: cfg.CVEMatchEvery, RunAtStart: true, Run: v.Run}}
	if cfg.CVEDir != "" {
		jobs = append(jobs, workers.Job{Name: "cve-dir", Interval: cfg.CVEDirPoll, RunAtStart: true, Run: vuln.NewWatcher(v, cfg.CVEDir).Run})
	}
	return jobs
}

// newCVECommand is `monsys cve import PATH`: a server command, straight
// to the database like migrate. The running hub's match job picks the new
// generation up.
func newCVECommand(environ []string, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "cve", Short: "Vulnerability data (OSV records) the hub matches installed packages against"}
	flags := config.RegisterFlags(cmd.PersistentFlags())
	var asJSON bool
	imp := &cobra.Command{
		Use:   "import PATH",
		Short: "Import OSV records from a directory, a .zip (osv.dev's per-ecosystem all.zip) or a file; unchanged records are skipped",
		Long: "Import OSV records. A record with the same id and modified as one imported before is skipped; a file that does not " +
			"parse refuses the whole import, naming the file and the record, and keeps the data imported before.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDatabase(cmd.Context(), environ, flags, func(ctx context.Context, cfg config.Config, db *database) error {
				if err := db.migrate(ctx); err != nil {
					return err
				}
				pool, err := db.pool(ctx, 2)
				if err != nil {
					return err
				}
				defer pool.Close()
				log := newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
				res, err := newVulns(cfg, pool, store.New(pool), log).Import(ctx, args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(stdout).Encode(res)
				}
				fmt.Fprintf(stdout, "files: %d\nrecords: %d\nimported: %d\nunchanged: %d\ngeneration: %d\n",
					res.Files, res.Records, res.Changed, res.Unchanged, res.Generation)
				return nil
			})
		},
	}
	imp.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.AddCommand(imp)
	return cmd
}
