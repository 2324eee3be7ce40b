package tsdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// RetentionResult says what one EnforceRetention removed.
type RetentionResult struct {
	DroppedPartitions []string // day partitions of samples
	Minutes, Hours    int64    // rollup rows deleted
}

// EnforceRetention applies r on plain PostgreSQL at now: it drops the day
// partitions of samples that end at or before now − r.Raw (whole days only:
// a partition goes when its newest possible sample is past retention) and
// deletes rollup rows older than their tier's retention, in bounded
// batches. On TimescaleDB the policies do this and it does nothing.
func EnforceRetention(ctx context.Context, pool *pgxpool.Pool, d Dialect, r Retention, now time.Time) (RetentionResult, error) {
	var res RetentionResult
	if d != Postgres {
		return res, nil
	}
	if r.Raw > 0 {
		dropped, err := dropOldPartitions(ctx, pool, now.Add(-r.Raw))
		res.DroppedPartitions = dropped
		if err != nil {
			return res, err
		}
	}
	var err error
	if r.OneMinute > 0 {
		if res.Minutes, err = deleteInBatches(ctx, pool, deleteOldMinutesSQL, now.Add(-r.OneMinute)); err != nil {
			return res, fmt.Errorf("delete old samples_1m rows: %w", err)
		}
	}
	if r.OneHour > 0 {
		if res.Hours, err = deleteInBatches(ctx, pool, deleteOldHoursSQL, now.Add(-r.OneHour)); err != nil {
			return res, fmt.Errorf("delete old samples_1h rows: %w", err)
		}
	}
	return res, nil
}

const listPartitionsSQL = `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'public.samples'::regclass ORDER BY c.relname`

// dropOldPartitions drops the partitions named by PartitionName whose day
// ends at or before cutoff. Each drop waits at most 10 s for its lock, so
// a long read cannot make ingest queue behind it; a partition left over is
// dropped on the next run.
func dropOldPartitions(ctx context.Context, pool *pgxpool.Pool, cutoff time.Time) ([]string, error) {
	rows, _ := pool.Query(ctx, listPartitionsSQL)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list sample partitions: %w", err)
	}
	var dropped []string
	for _, name := range names {
		day, ok := partitionDay(name)
		if !ok || day.AddDate(0, 0, 1).After(cutoff) {
			continue
		}
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DROP TABLE `+pgx.Identifier{"public", name}.Sanitize())
			return err
		})
		if err != nil {
			return dropped, fmt.Errorf("drop partition %s: %w", name, err)
		}
		dropped = append(dropped, name)
	}
	return dropped, nil
}

// partitionDay parses a name made by PartitionName.
func partitionDay(name string) (time.Time, bool) {
	s, ok := strings.CutPrefix(name, "samples_p")
	if !ok || len(s) != 8 {
		return time.Time{}, false
	}
	day, err := time.Parse("20060102", s)
	return day, err == nil
}

// retentionBatch bounds the rows one DELETE removes (and so its
// transaction and lock time).
const retentionBatch = 50_000

const (
	deleteOldMinutesSQL = `DELETE FROM samples_1m WHERE (series_id, bucket) IN
  (SELECT series_id, bucket FROM samples_1m WHERE bucket < $1 LIMIT $2)`
	deleteOldHoursSQL = `DELETE FROM samples_1h WHERE (series_id, bucket) IN
  (SELECT series_id, bucket FROM samples_1h WHERE bucket < $1 LIMIT $2)`
)

func deleteInBatches(ctx context.Context, pool *pgxpool.Pool, sql string, cutoff time.Time) (int64, error) {
	var total int64
	for {
		tag, err := pool.Exec(ctx, sql, cutoff, retentionBatch)
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < retentionBatch {
			return total, nil
		}
	}
}
