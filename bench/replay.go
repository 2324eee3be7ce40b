package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ReplayReport is what a replay phase (IngestConfig.Replay) measured
// against the steady state: the agents' spools sent after an outage, all
// of it late, while the hub's rollup worker rolls it up again.
type ReplayReport struct {
	SamplesPerSec       float64   `json:"samples_per_sec"`
	SteadySamplesPerSec float64   `json:"steady_samples_per_sec"` // the first phase's
	Ratio               float64   `json:"ratio_to_steady"`        // target ≥ 0.8
	From                time.Time `json:"replayed_from"`
	To                  time.Time `json:"replayed_to"`
	// CompleteAfterSeconds is the time from the end of the replay phase
	// until every tier answered completely: no invalidation left, and
	// samples_1m and samples_1h counting every raw sample of the replayed
	// hours. Complete is false when that did not happen within the wait.
	CompleteAfterSeconds float64 `json:"complete_after_seconds"`
	Complete             bool    `json:"complete"`
	RawSamples           int64   `json:"raw_samples"`
	MinuteCount          int64   `json:"samples_1m_count"`
	HourCount            int64   `json:"samples_1h_count"`
	InvalidationsLeft    int64   `json:"invalidations_left"`
}

// tierCountsSQL counts the samples of [$1, $2) in each tier, and the late
// ranges not rolled up again yet.
const tierCountsSQL = `SELECT
  (SELECT count(*) FROM samples WHERE time >= $1 AND time < $2),
  (SELECT coalesce(sum(count), 0)::bigint FROM samples_1m WHERE bucket >= $1 AND bucket < $2),
  (SELECT coalesce(sum(count), 0)::bigint FROM samples_1h WHERE bucket >= $1 AND bucket < $2),
  (SELECT count(*) FROM rollup_invalidations)`

// WaitRollupsComplete polls the hub's database every second, for at most
// limit, until the replayed hours are complete in every tier, and fills
// rep's completion fields. ended is when the replay phase ended.
func WaitRollupsComplete(ctx context.Context, pool *pgxpool.Pool, rep *ReplayReport, ended time.Time, limit time.Duration) error {
	from, to := rep.From.Truncate(time.Hour), rep.To.Truncate(time.Hour).Add(time.Hour)
	deadline := time.Now().Add(limit)
	for {
		err := pool.QueryRow(ctx, tierCountsSQL, from, to).Scan(&rep.RawSamples, &rep.MinuteCount, &rep.HourCount, &rep.InvalidationsLeft)
		if err != nil {
			return fmt.Errorf("count the replayed samples in each tier: %w", err)
		}
		rep.CompleteAfterSeconds = time.Since(ended).Seconds()
		if rep.InvalidationsLeft == 0 && rep.MinuteCount == rep.RawSamples && rep.HourCount == rep.RawSamples {
			rep.Complete = true
			return nil
		}
		if time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
