package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/internal/diskspace"
	"github.com/monsys/monsys/store"
	"github.com/monsys/monsys/workers"
)

// diskLowKey is the key of the system alert about the database's disk.
const diskLowKey = "database_disk_low"

// diskWatcher watches the filesystem of the database's data: the embedded
// cluster's folder, or the data_directory an external server reports when
// that path is on this machine. Nil when there is nothing to watch here.
func diskWatcher(ctx context.Context, db *database, pool *pgxpool.Pool, log *slog.Logger) *diskspace.Watcher {
	dir := ""
	if db.cluster != nil {
		dir = db.cluster.DataDir()
	} else if err := pool.QueryRow(ctx, `SELECT current_setting('data_directory')`).Scan(&dir); err != nil {
		log.Info("free space of the database's disk is not watched: its data_directory is not readable (needs pg_read_all_settings)", "err", err)
		return nil
	}
	if _, err := os.Stat(dir); err != nil {
		log.Info("free space of the database's disk is not watched: its data directory is not on this machine", "data_directory", dir)
		return nil
	}
	return diskspace.New(dir)
}

// diskAlertJob measures the free space every few seconds and raises a
// system alert in every tenant while it is under pct percent (critical
// under half of that), resolving it once space is back: the hub warns
// before PostgreSQL runs out, and says so again when it has room.
func diskAlertJob(w *diskspace.Watcher, st *store.Store, pct int, log *slog.Logger) workers.Job {
	raised := "" // severity of the alert this hub last raised; "ok" once resolved
	return workers.Job{Name: "disk-space", Interval: 5 * time.Second, RunAtStart: true, Run: func(ctx context.Context) error {
		u, err := w.Measure()
		if err != nil {
			return err
		}
		severity := "ok"
		switch free := u.FreeRatio() * 100; {
		case free < float64(pct)/2:
			severity = "critical"
		case free < float64(pct):
			severity = "warning"
		}
		if severity == raised {
			return nil
		}
		if severity == "ok" {
			n, err := st.ResolveHubAlert(ctx, diskLowKey, "free space is back above "+fmt.Sprint(pct)+" %")
			if err != nil {
				return err
			}
			if n > 0 {
				log.Info("database disk has room again", "free_bytes", u.FreeBytes, "size_bytes", u.SizeBytes)
			}
			raised = severity
			return nil
		}
		summary := fmt.Sprintf("the database's disk (%s) has %.1f %% free: %d MiB of %d MiB; ingest stops when it is full",
			u.Path, u.FreeRatio()*100, u.FreeBytes>>20, u.SizeBytes>>20)
		log.Warn("database disk filling up", "severity", severity, "free_bytes", u.FreeBytes, "size_bytes", u.SizeBytes, "path", u.Path)
		if _, err := st.RaiseHubAlert(ctx, diskLowKey, severity, summary); err != nil {
			return err // a full disk may refuse even this; the next run tries again
		}
		raised = severity
		return nil
	}}
}
