package tsdb

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Late samples (doc.go): a writer of samples asks, in its transaction and
// before it writes, before which time a sample is late
// (samples_late_before, migration 0010), and records the late ones it
// wrote in rollup_invalidations in the same transaction, one row per hour
// they fall in. The rollup worker rolls those ranges up again.

// lateLockKey is the advisory lock ("monsys_l") between writers of
// samples, which hold it shared until they commit, and the rollup worker,
// which holds it exclusively for the moment it moves the late boundary
// (announceLateBoundary).
const lateLockKey int64 = 0x6d6f6e7379735f6c

const lateBeforeSQL = `SELECT samples_late_before($1)`

// PostgreSQL's binary type ids used here.
const (
	oidInt8       = 20
	formatBinary  = 1
	pgNegInfinity = math.MinInt64 // binary timestamptz '-infinity'
)

// lateBefore takes the late lock's shared side for conn's transaction and
// returns the boundary as a binary timestamptz (microseconds since
// 2000-01-01): a sample written in this transaction before it is late.
func lateBefore(ctx context.Context, conn *pgconn.PgConn) (int64, error) {
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], uint64(lateLockKey))
	rr := conn.ExecParams(ctx, lateBeforeSQL, [][]byte{key[:]}, []uint32{oidInt8},
		[]int16{formatBinary}, []int16{formatBinary})
	before := int64(pgNegInfinity)
	for rr.NextRow() {
		if v := rr.Values()[0]; len(v) == 8 {
			before = int64(binary.BigEndian.Uint64(v))
		}
	}
	if _, err := rr.Close(); err != nil {
		return 0, fmt.Errorf("read the late boundary: %w", err)
	}
	return before, nil
}

// pgMicros is Unix milliseconds as a binary timestamptz.
func pgMicros(ms int64) int64 { return ms*1000 - pgEpochMicros }

// lateSample is one late row, keyed for grouping by hour and series.
type lateSample struct{ hourMs, seriesID, timeMs int64 }

// lateSamples lists the rows of r before the boundary; nil when there are
// none, which is the steady state and allocates nothing.
func lateSamples(r *SampleRows, before int64) []lateSample {
	var out []lateSample
	for i, ms := range r.TimesMs {
		if pgMicros(ms) < before {
			if out == nil {
				out = make([]lateSample, 0, r.Len()-i)
			}
			out = append(out, lateSample{hourMs: ms - ms%hourMs, seriesID: r.SeriesIDs[i], timeMs: ms})
		}
	}
	return out
}

// hourMs is an hour in milliseconds. Sample times are after 1970 (ingest
// refuses anything older than raw retention), so ms - ms%hourMs is the
// start of their hour.
const hourMs = 3_600_000

const copyInvalidationsSQL = `COPY rollup_invalidations (hour, lo, hi, series_ids) FROM STDIN BINARY`

// recordLate writes one rollup_invalidations row per hour that the late
// samples fall in, encoding into buf, which it returns for reuse.
func recordLate(ctx context.Context, conn *pgconn.PgConn, late []lateSample, buf []byte) ([]byte, error) {
	slices.SortFunc(late, func(a, b lateSample) int {
		return cmp.Or(cmp.Compare(a.hourMs, b.hourMs), cmp.Compare(a.seriesID, b.seriesID))
	})
	buf = appendInvalidationsBinary(buf[:0], late)
	if _, err := conn.CopyFrom(ctx, bytes.NewReader(buf), copyInvalidationsSQL); err != nil {
		return buf, fmt.Errorf("record late samples: %w", err)
	}
	return buf, nil
}

// appendInvalidationsBinary appends, in binary COPY format for the columns
// (hour, lo, hi, series_ids) of rollup_invalidations, one row per hour of
// late, which is sorted by hour, then series.
func appendInvalidationsBinary(dst []byte, late []lateSample) []byte {
	dst = append(dst, copyHeader...)
	for start := 0; start < len(late); {
		end, lo, hi, series := start, late[start].timeMs, late[start].timeMs, 0
		for ; end < len(late) && late[end].hourMs == late[start].hourMs; end++ {
			lo, hi = min(lo, late[end].timeMs), max(hi, late[end].timeMs)
			if end == start || late[end].seriesID != late[end-1].seriesID {
				series++
			}
		}
		dst = binary.BigEndian.AppendUint16(dst, 4)
		for _, ms := range []int64{late[start].hourMs, lo, hi + 1} {
			dst = binary.BigEndian.AppendUint32(dst, 8)
			dst = binary.BigEndian.AppendUint64(dst, uint64(pgMicros(ms)))
		}
		// A one-dimensional int8 array: dimensions, has-nulls, element
		// type, length, lower bound, then each element with its length.
		dst = binary.BigEndian.AppendUint32(dst, uint32(20+12*series))
		dst = binary.BigEndian.AppendUint32(dst, 1)
		dst = binary.BigEndian.AppendUint32(dst, 0)
		dst = binary.BigEndian.AppendUint32(dst, oidInt8)
		dst = binary.BigEndian.AppendUint32(dst, uint32(series))
		dst = binary.BigEndian.AppendUint32(dst, 1)
		for i := start; i < end; i++ {
			if i == start || late[i].seriesID != late[i-1].seriesID {
				dst = binary.BigEndian.AppendUint32(dst, 8)
				dst = binary.BigEndian.AppendUint64(dst, uint64(late[i].seriesID))
			}
		}
		start = end
	}
	return binary.BigEndian.AppendUint16(dst, 0xffff)
}

// The worker's side of the boundary (plain PostgreSQL): before it rolls
// up towards a new settled watermark, it moves the boundary there, holding
// the late lock exclusively for the moment of the update. That waits for
// the writers that read the old boundary to commit (at most one flush);
// writers that come later wait for the update, then see it.
const (
	readLateBoundarySQL = `SELECT late_before FROM rollup_late_boundary`
	lateLockTimeoutSQL  = `SET LOCAL lock_timeout = '10s'`
	lateLockSQL         = `SELECT pg_advisory_xact_lock($1)`
	moveLateBoundarySQL = `UPDATE rollup_late_boundary SET late_before = $1 WHERE late_before < $1`
)

// announceLateBoundary moves the late boundary to to unless it is there
// already; it never moves back.
func (r *Rollup) announceLateBoundary(ctx context.Context, to time.Time) error {
	current, err := readLateBoundary(ctx, r.pool)
	if err != nil || !current.Before(to) {
		return err
	}
	err = pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lateLockTimeoutSQL); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, lateLockSQL, lateLockKey); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, moveLateBoundarySQL, to)
		return err
	})
	if err != nil {
		return fmt.Errorf("move the late boundary: %w", err)
	}
	return nil
}

// readLateBoundary is the late boundary; zero while it is '-infinity'
// (no run has announced one yet).
func readLateBoundary(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (time.Time, error) {
	var b pgtype.Timestamptz
	if err := q.QueryRow(ctx, readLateBoundarySQL).Scan(&b); err != nil {
		return time.Time{}, fmt.Errorf("read the late boundary: %w", err)
	}
	return finiteTime(b), nil
}

// finiteTime is t in UTC, or zero when it is infinite or NULL.
func finiteTime(t pgtype.Timestamptz) time.Time {
	if !t.Valid || t.InfinityModifier != pgtype.Finite {
		return time.Time{}
	}
	return t.Time.UTC()
}
