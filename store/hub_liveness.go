package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// HubRestartedKey is the key of the tenant-wide system alert (no agent)
// raised once when the hub comes back from a stretch in which no hub was
// checking on agents: a restart after downtime, or a database outage.
const HubRestartedKey = "hub_restarted"

// HubTick is what one pass of the silent check learnt about the hub's own
// up time.
type HubTick struct {
	Now     time.Time // the database's clock at this pass
	Prev    time.Time // the previous pass of any hub (zero: none yet)
	UpSince time.Time // start of the current stretch of up time
	// Gap is true when the previous pass is older than the check allows
	// (maxGap): no hub was up and able to use the database meanwhile.
	Gap bool
}

const lockHubLivenessSQL = `SELECT now(), (SELECT last_tick_at FROM hub_liveness WHERE id FOR UPDATE)`

const tickHubLivenessSQL = `INSERT INTO hub_liveness (id, last_tick_at, up_since) VALUES (true, $1, $1)
ON CONFLICT (id) DO UPDATE SET last_tick_at = $1,
  up_since = CASE WHEN $2 THEN $1 ELSE hub_liveness.up_since END
RETURNING up_since`

// TickHub records a pass of the silent check. The stretch of up time
// starts again when started (this hub process has not ticked before:
// every agent gets its full allowance after a start) or when the previous
// pass is older than maxGap; in either case, when there was a gap, every
// tenant gets one hub_restarted system alert (refreshed, not repeated,
// while it stays unresolved) whose summary names the gap and why.
func (s *Store) TickHub(ctx context.Context, started bool, maxGap time.Duration) (HubTick, error) {
	var out HubTick
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var prev *time.Time
		if err := tx.QueryRow(ctx, lockHubLivenessSQL).Scan(&out.Now, &prev); err != nil {
			return err
		}
		if prev != nil {
			out.Prev = *prev
			out.Gap = out.Now.Sub(*prev) > maxGap
		}
		if err := tx.QueryRow(ctx, tickHubLivenessSQL, out.Now, started || out.Gap).Scan(&out.UpSince); err != nil {
			return err
		}
		if !out.Gap {
			return nil
		}
		why := "the hub was not running"
		if !started {
			why = "the hub could not use its database"
		}
		summary := fmt.Sprintf("%s from about %s to %s (%s); silent-agent checks restarted so no agent is blamed for the gap",
			why, out.Prev.UTC().Format(time.RFC3339), out.Now.UTC().Format(time.RFC3339), out.Now.Sub(out.Prev).Round(time.Second))
		return raiseForEveryTenant(ctx, tx, HubRestartedKey, "warning", summary)
	})
	if err != nil {
		return out, fmt.Errorf("record hub pass: %w", err)
	}
	return out, nil
}
