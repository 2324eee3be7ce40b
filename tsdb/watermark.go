package tsdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The rollup watermarks (plain PostgreSQL): every bucket of a tier that
// starts before its watermark is rolled up and settled; reads take what is
// past it from the layer below. The minute watermark trails the newest
// rolled-up minute by the grace window (Rollup), the hour watermark is the
// minute one rounded down to an hour; samples_1h_open holds the minutes
// between the two, summed per series. The rollup worker writes both
// watermarks in the transaction that writes the rows (writeWatermarksSQL);
// reads use them in the same statement as the rows (read_source.go).
const readWatermarksSQL = `SELECT tier, watermark FROM rollup_watermarks`

// readMinuteWatermark is the minute watermark, and whether the worker has
// written one (when not, initial).
func readMinuteWatermark(ctx context.Context, tx pgx.Tx, initial time.Time) (time.Time, bool, error) {
	minute, _, err := readWatermarks(ctx, tx)
	if err != nil || minute.IsZero() {
		return initial, false, err
	}
	return minute, true, nil
}

// readWatermarks is both watermarks; zero for one the worker has not
// written yet.
func readWatermarks(ctx context.Context, tx pgx.Tx) (minute, hour time.Time, err error) {
	rows, _ := tx.Query(ctx, readWatermarksSQL)
	var tier string
	var w time.Time
	_, err = pgx.ForEachRow(rows, []any{&tier, &w}, func() error {
		switch tier {
		case "1m":
			minute = w.UTC()
		case "1h":
			hour = w.UTC()
		}
		return nil
	})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, time.Time{}, fmt.Errorf("read rollup watermarks: %w", err)
	}
	return minute, hour, nil
}

// ResetWatermarks forgets both rollup watermarks, so that the next Rollup
// run rolls up everything within its Start again: for loaders that write
// history straight into samples (bench), never for a running hub.
func ResetWatermarks(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, `DELETE FROM rollup_watermarks`); err != nil {
		return fmt.Errorf("reset rollup watermarks: %w", err)
	}
	return nil
}
