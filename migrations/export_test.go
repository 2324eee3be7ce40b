package migrations

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// UpTo applies the embedded migrations up to version, for tests of what a
// migration does to data written under the ones before it.
func UpTo(ctx context.Context, conn *pgx.Conn, opts Options, version int32) error {
	m, err := newMigrator(ctx, conn, opts)
	if err != nil {
		return err
	}
	return m.MigrateTo(ctx, version)
}
