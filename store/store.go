package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Errors callers distinguish with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Store is the relational data of every tenant.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// newID returns a UUIDv7: time-ordered, so ids sort by creation.
func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// execer runs a statement: the pool, or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// execOne runs a statement meant to change one row (an UPDATE or DELETE
// of a tenant's row, usually inside audited); when it changed none it
// answers none, mostly ErrNotFound. op names the operation in errors.
func execOne(ctx context.Context, q execer, none error, op, sql string, args ...any) error {
	tag, err := q.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", op, none)
	}
	return nil
}

// inTx runs fn in one transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// Unstorable reports whether err is PostgreSQL refusing a value for what
// it is rather than for the database's state: a data exception (SQLSTATE
// class 22: NUL or bytes invalid in UTF-8 (22021), \u0000 in jsonb
// (22P05), malformed text for a type, numbers out of range) or a value
// past a limit such as an index row's size (class 54). Sending the same
// value again fails the same way, so callers answer it 4xx and never retry
// it. Check violations (23514) are not among them: "no partition for the
// row" is one, and it passes once the partition worker has caught up.
func Unstorable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "54"))
}

// mapErr turns storage failures callers act on into sentinels.
func mapErr(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		return fmt.Errorf("%w: %s", ErrConflict, pgErr.ConstraintName)
	}
	return err
}
