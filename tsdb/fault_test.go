package tsdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestFaultOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want Fault
	}{
		{nil, ""},
		{errors.New("syntax"), ""},
		{&pgconn.PgError{Code: "23505"}, ""}, // unique violation: the statement's fault
		{fmt.Errorf("copy: %w", &pgconn.PgError{Code: "53100"}), FaultDiskFull},
		{&pgconn.PgError{Code: "25006"}, FaultReadOnly},
		{&pgconn.PgError{Code: "57P01"}, FaultShuttingDown},
		{&pgconn.PgError{Code: "57P03"}, FaultShuttingDown},
		{&pgconn.PgError{Code: "08006"}, FaultUnreachable},
		{&pgconn.PgError{Code: "53300"}, FaultResources},
		{&pgconn.PgError{Code: "58030"}, FaultIO},
		{&pgconn.PgError{Code: "57014"}, FaultTimeout},
		{fmt.Errorf("acquire: %w", syscall.ECONNREFUSED), FaultUnreachable},
		{io.ErrUnexpectedEOF, FaultUnreachable},
		{context.DeadlineExceeded, FaultTimeout},
		{context.Canceled, ""},
	} {
		if got := FaultOf(c.err); got != c.want {
			t.Errorf("FaultOf(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
