package tsdb

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PartitionName is the daily partition of samples holding day (UTC).
func PartitionName(day time.Time) string { return "samples_p" + day.UTC().Format("20060102") }

// EnsurePartitions creates the missing daily partitions of samples that
// cover [from, to] on plain PostgreSQL. TimescaleDB creates chunks itself;
// there it does nothing. It returns how many partitions it created.
func EnsurePartitions(ctx context.Context, pool *pgxpool.Pool, d Dialect, from, to time.Time) (int, error) {
	if d != Postgres {
		return 0, nil
	}
	created := 0
	for day := truncateDay(from); !day.After(to); day = day.AddDate(0, 0, 1) {
		name := PartitionName(day)
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, "public."+name).Scan(&exists); err != nil {
			return created, fmt.Errorf("look up partition %s: %w", name, err)
		}
		if exists {
			continue
		}
		// Identifiers are sanitized; the bounds are timestamps this code formats.
		stmt := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF samples FOR VALUES FROM ('%s') TO ('%s')`,
			pgx.Identifier{name}.Sanitize(), day.Format(time.RFC3339), day.AddDate(0, 0, 1).Format(time.RFC3339))
		if _, err := pool.Exec(ctx, stmt); err != nil {
			return created, fmt.Errorf("create partition %s: %w", name, err)
		}
		created++
	}
	return created, nil
}

func truncateDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
