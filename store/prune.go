package store

import (
	"context"
	"fmt"

	"github.com/monsys/monsys/ratelimit"
)

// pruneSQL removes account rows that can no longer be used, so these
// tables stay bounded: challenges and reset tokens a day after they ended,
// mail a month after it was sent or given up, and expired unaccepted
// invitations after a month.
var pruneSQL = []struct{ table, sql string }{
	{"login_challenges", `DELETE FROM login_challenges WHERE expires_at < now() - interval '1 day'`},
	{"password_resets", `DELETE FROM password_resets WHERE expires_at < now() - interval '1 day'`},
	{"outbox", `DELETE FROM outbox WHERE (sent_at IS NOT NULL OR attempts >= $1) AND created_at < now() - interval '30 days'`},
	{"invitations", `DELETE FROM invitations WHERE accepted_at IS NULL AND expires_at < now() - interval '30 days'`},
}

// PruneAccounts deletes spent account rows and reports how many per table,
// rate-limit windows a day old included (rate_counters belongs to
// ratelimit, which prunes it).
func (s *Store) PruneAccounts(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(pruneSQL))
	for _, p := range pruneSQL {
		var args []any
		if p.table == "outbox" {
			args = append(args, MaxMailAttempts)
		}
		tag, err := s.pool.Exec(ctx, p.sql, args...)
		if err != nil {
			return out, fmt.Errorf("prune %s: %w", p.table, err)
		}
		if n := tag.RowsAffected(); n > 0 {
			out[p.table] = n
		}
	}
	n, err := ratelimit.PruneShared(ctx, s.pool)
	if err != nil {
		return out, err
	}
	if n > 0 {
		out["rate_counters"] = n
	}
	return out, nil
}
