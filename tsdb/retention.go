package tsdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// RetentionPolicy is the retention of one relation as ApplyRetention left
// it.
type RetentionPolicy struct {
	Relation  string        // samples, samples_1m or samples_1h
	DropAfter time.Duration // 0: kept forever
	Changed   bool          // ApplyRetention replaced or removed the policy
}

// retentionRelations pairs each tier with the relation that holds it.
func retentionRelations() []struct {
	tier     Tier
	relation string
} {
	return []struct {
		tier     Tier
		relation string
	}{{TierRaw, "samples"}, {Tier1m, "samples_1m"}, {Tier1h, "samples_1h"}}
}

const (
	currentRetentionSQL = `SELECT (config->>'drop_after')::interval = $2::interval
FROM timescaledb_information.jobs
WHERE proc_name = 'policy_retention' AND hypertable_schema = 'public' AND hypertable_name = $1`
	removeRetentionSQL = `SELECT remove_retention_policy($1::regclass, if_exists => true)`
	addRetentionSQL    = `SELECT add_retention_policy($1::regclass, drop_after => $2::interval, if_not_exists => true)`
)

// ApplyRetention makes TimescaleDB's retention policies on samples and both
// continuous aggregates match r, replacing a policy only when its
// drop_after differs, and returns what each relation now has. On plain
// PostgreSQL there are no policies (EnforceRetention does the work) and it
// returns nil.
func ApplyRetention(ctx context.Context, pool *pgxpool.Pool, d Dialect, r Retention) ([]RetentionPolicy, error) {
	if d != TimescaleDB {
		return nil, nil
	}
	var out []RetentionPolicy
	for _, rel := range retentionRelations() {
		p := RetentionPolicy{Relation: rel.relation, DropAfter: r.Of(rel.tier)}
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var same bool
			err := tx.QueryRow(ctx, currentRetentionSQL, rel.relation, intervalText(p.DropAfter)).Scan(&same)
			exists := err == nil
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("read retention policy: %w", err)
			}
			if (exists && same && p.DropAfter > 0) || (!exists && p.DropAfter == 0) {
				return nil
			}
			p.Changed = true
			if _, err := tx.Exec(ctx, removeRetentionSQL, rel.relation); err != nil {
				return fmt.Errorf("remove retention policy: %w", err)
			}
			if p.DropAfter == 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, addRetentionSQL, rel.relation, intervalText(p.DropAfter)); err != nil {
				return fmt.Errorf("add retention policy: %w", err)
			}
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("apply retention to %s: %w", rel.relation, err)
		}
		out = append(out, p)
	}
	return out, nil
}
