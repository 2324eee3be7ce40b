package tsdb

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Fault is why the database could not do what was asked, in the words an
// operator reads in /api/v1/health and the log. The zero Fault means the
// error is not the database's trouble (a bad statement, a constraint, the
// caller's cancellation): retrying the same thing would fail the same way.
type Fault string

// The faults that make PostgreSQL unable to commit for a while; each
// passes once the operator (or the server itself) has dealt with it.
const (
	FaultUnreachable  Fault = "database unreachable"
	FaultShuttingDown Fault = "database shutting down or starting up"
	FaultDiskFull     Fault = "database disk full"
	FaultReadOnly     Fault = "database read-only"
	FaultResources    Fault = "database out of resources"
	FaultIO           Fault = "database I/O error"
	FaultTimeout      Fault = "database too slow"
)

// FaultOf classifies err: the Fault when the database (or the way to it)
// cannot serve for now, else "". Only storage packages read SQLSTATEs;
// everyone else asks here.
func FaultOf(err error) Fault {
	if err == nil {
		return ""
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return faultOfState(pe.Code)
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		return FaultUnreachable
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
		return FaultTimeout
	case errors.Is(err, context.Canceled):
		return "" // the caller gave up; the database said nothing
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ENOENT), errors.As(err, &ne):
		return FaultUnreachable
	case strings.Contains(err.Error(), "conn closed"), strings.Contains(err.Error(), "closed pool"):
		// pgconn's connection-lost errors are unexported types.
		return FaultUnreachable
	}
	return ""
}

func faultOfState(code string) Fault {
	switch {
	case code == "53100": // disk_full
		return FaultDiskFull
	case code == "25006": // read_only_sql_transaction
		return FaultReadOnly
	case strings.HasPrefix(code, "57P"): // admin_shutdown, crash_shutdown, cannot_connect_now, database_dropped
		return FaultShuttingDown
	case strings.HasPrefix(code, "08"): // connection exception
		return FaultUnreachable
	case strings.HasPrefix(code, "53"): // insufficient resources
		return FaultResources
	case strings.HasPrefix(code, "58"): // system error: I/O, undefined file
		return FaultIO
	case code == "57014": // query_canceled, e.g. statement_timeout
		return FaultTimeout
	}
	return ""
}
