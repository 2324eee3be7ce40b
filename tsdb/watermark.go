package tsdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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
	rows, _ := tx.Query(ctx, readWatermarksSQL)
	w1, found := initial, false
	var tier string
	var w time.Time
	_, err := pgx.ForEachRow(rows, []any{&tier, &w}, func() error {
		if tier == "1m" {
			w1, found = w, true
		}
		return nil
	})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, fmt.Errorf("read rollup watermarks: %w", err)
	}
	return w1.UTC(), found, nil
}
