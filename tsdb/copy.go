package tsdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// pgEpochMicros is 2000-01-01 UTC in Unix microseconds: PostgreSQL's
// binary timestamps count from there.
const pgEpochMicros = 946_684_800_000_000

var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// SampleRows is a columnar set of samples to write: parallel slices.
type SampleRows struct {
	TimesMs   []int64
	SeriesIDs []int64
	Values    []float64
}

// Len is the number of rows.
func (r *SampleRows) Len() int { return len(r.TimesMs) }

// Reset empties the rows, keeping their buffers.
func (r *SampleRows) Reset() {
	r.TimesMs, r.SeriesIDs, r.Values = r.TimesMs[:0], r.SeriesIDs[:0], r.Values[:0]
}

// AppendCopyBinary appends rows in PostgreSQL's binary COPY format
// (header, tuples, trailer) for the columns (time, series_id, value). It
// allocates nothing: no per-row boxing as with pgx.CopyFrom's []any rows.
func AppendCopyBinary(dst []byte, r *SampleRows) []byte {
	dst = append(dst, copyHeader...)
	for i := range r.TimesMs {
		dst = binary.BigEndian.AppendUint16(dst, 3)
		dst = binary.BigEndian.AppendUint32(dst, 8)
		dst = binary.BigEndian.AppendUint64(dst, uint64(r.TimesMs[i]*1000-pgEpochMicros))
		dst = binary.BigEndian.AppendUint32(dst, 8)
		dst = binary.BigEndian.AppendUint64(dst, uint64(r.SeriesIDs[i]))
		dst = binary.BigEndian.AppendUint32(dst, 8)
		dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(r.Values[i]))
	}
	return binary.BigEndian.AppendUint16(dst, 0xffff)
}

const copySamplesSQL = `COPY samples (time, series_id, value) FROM STDIN BINARY`

// CopySamples writes rows into samples on conn, encoding into buf, which
// it returns for reuse. It is the one way samples are written: in the
// same transaction it records the rows that are late, behind what the
// rollups have settled, so that the rollup worker rolls their minutes and
// hours up again (late.go). It runs inside the caller's transaction when
// one is open (at READ COMMITTED, the default), else in one of its own.
func CopySamples(ctx context.Context, conn *pgconn.PgConn, r *SampleRows, buf []byte) ([]byte, error) {
	if r.Len() == 0 {
		return buf, nil
	}
	if conn.TxStatus() == 'I' {
		return copyInOwnTransaction(ctx, conn, r, buf)
	}
	before, err := lateBefore(ctx, conn)
	if err != nil {
		return buf, err
	}
	buf = AppendCopyBinary(buf[:0], r)
	tag, err := conn.CopyFrom(ctx, bytes.NewReader(buf), copySamplesSQL)
	if err != nil {
		return buf, fmt.Errorf("copy into samples: %w", err)
	}
	if tag.RowsAffected() != int64(r.Len()) {
		return buf, fmt.Errorf("copy into samples: wrote %d of %d rows", tag.RowsAffected(), r.Len())
	}
	if late := lateSamples(r, before); late != nil {
		return recordLate(ctx, conn, late, buf)
	}
	return buf, nil
}

// copyInOwnTransaction is CopySamples for a connection outside a
// transaction: the late lock lasts until COMMIT, so there must be one.
func copyInOwnTransaction(ctx context.Context, conn *pgconn.PgConn, r *SampleRows, buf []byte) ([]byte, error) {
	if err := conn.Exec(ctx, "BEGIN").Close(); err != nil {
		return buf, fmt.Errorf("begin copy into samples: %w", err)
	}
	buf, err := CopySamples(ctx, conn, r, buf)
	if err != nil {
		_ = conn.Exec(ctx, "ROLLBACK").Close() // the copy's error says what went wrong
		return buf, err
	}
	if err := conn.Exec(ctx, "COMMIT").Close(); err != nil {
		return buf, fmt.Errorf("commit copy into samples: %w", err)
	}
	return buf, nil
}

// TimeFromMs converts unix milliseconds to a UTC time.
func TimeFromMs(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
