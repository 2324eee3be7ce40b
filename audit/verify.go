package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Break is the first place a chain does not hold.
type Break struct {
	ID     int64  `json:"id,omitempty"` // the row, 0 when the break is past the last row
	Seq    int64  `json:"seq"`          // the position expected there
	Reason string `json:"reason"`
}

// Report is the outcome of Verify.
type Report struct {
	OK      bool   `json:"ok"`
	Checked int64  `json:"checked"` // rows whose hash was recomputed
	Broken  *Break `json:"first_broken,omitempty"`
}

const chainSQL = `SELECT ` + rowColumns + ` FROM audit_log WHERE tenant_id = $1 ORDER BY seq`

const headReadSQL = `SELECT seq, hash FROM audit_heads WHERE tenant_id = $1`

// Verify walks a tenant's chain from the first row and reports the first
// row that was edited (its hash no longer matches), removed (a gap in seq
// or a prev_hash that is not the previous row's hash), or cut off the end
// (the head names a later row). It streams the rows: memory stays flat
// however long the chain is.
func Verify(ctx context.Context, r Reader, tenantID string) (Report, error) {
	rows, err := r.Query(ctx, chainSQL, tenantID)
	if err != nil {
		return Report{}, fmt.Errorf("read audit chain: %w", err)
	}
	defer rows.Close()
	var rep Report
	prev := make([]byte, sha256.Size)
	for rows.Next() {
		row, err := scanRow(rows)
		if err != nil {
			return Report{}, fmt.Errorf("read audit row: %w", err)
		}
		want := rep.Checked + 1
		switch {
		case row.Seq != want:
			rep.Broken = &Break{ID: row.ID, Seq: want, Reason: fmt.Sprintf("row %d is missing: the chain jumps to %d", want, row.Seq)}
		case !bytes.Equal(row.PrevHash, prev):
			rep.Broken = &Break{ID: row.ID, Seq: want, Reason: "prev_hash is not the previous row's hash"}
		case !bytes.Equal(row.computeHash(), row.Hash):
			rep.Broken = &Break{ID: row.ID, Seq: want, Reason: "the row's content does not match its hash"}
		}
		if rep.Broken != nil {
			return rep, nil
		}
		rep.Checked++
		prev = row.Hash
	}
	if err := rows.Err(); err != nil {
		return Report{}, fmt.Errorf("read audit chain: %w", err)
	}
	if b, err := checkHead(ctx, r, tenantID, rep.Checked, prev); err != nil || b != nil {
		rep.Broken = b
		return rep, err
	}
	rep.OK = true
	return rep, nil
}

// checkHead compares the last row with the recorded head of the chain.
func checkHead(ctx context.Context, r Reader, tenantID string, last int64, lastHash []byte) (*Break, error) {
	rows, err := r.Query(ctx, headReadSQL, tenantID)
	if err != nil {
		return nil, fmt.Errorf("read audit head: %w", err)
	}
	var seq int64
	var hash []byte
	_, err = pgx.ForEachRow(rows, []any{&seq, &hash}, func() error { return nil })
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("read audit head: %w", err)
	}
	switch {
	case seq < last:
		return &Break{Seq: seq + 1, Reason: fmt.Sprintf("the recorded head is row %d but the chain has %d rows", seq, last)}, nil
	case seq > last:
		return &Break{Seq: last + 1, Reason: fmt.Sprintf("rows %d to %d are missing from the end", last+1, seq)}, nil
	case seq > 0 && !bytes.Equal(hash, lastHash):
		return &Break{Seq: last, Reason: "the last row's hash is not the recorded head"}, nil
	}
	return nil, nil
}
