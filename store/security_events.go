package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/monsys/monsys/wire"
)

const insertSecurityEventSQL = `INSERT INTO security_events (tenant_id, agent_id, kind, occurred_at, proto, port,
  source_ip, source_port, first_bytes, path, access)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// queueSecurityEvents stores an agent's decoy events and raises one alert
// per decoy touched: a honeypot port (warning) or a canary file
// (critical, something read what nobody should). A repeated touch
// refreshes the firing alert, so a scan pages once, not per connection.
func queueSecurityEvents(b *pgx.Batch, tenantID, agentID uuid.UUID, events []wire.SecurityEvent) {
	type touch struct {
		n       int
		sources map[string]bool
		last    wire.SecurityEvent
	}
	touched := map[string]*touch{}
	var order []string
	for _, e := range events {
		b.Queue(insertSecurityEventSQL, tenantID, agentID, e.Kind, time.UnixMilli(e.At), e.Proto, e.Port,
			e.SourceIP, e.SourcePort, e.FirstBytes, e.Path, e.Access)
		key := alertKeyOf(e)
		t := touched[key]
		if t == nil {
			t = &touch{sources: map[string]bool{}}
			touched[key] = t
			order = append(order, key)
		}
		t.n++
		t.last = e
		if e.SourceIP != "" {
			t.sources[e.SourceIP] = true
		}
	}
	for _, key := range order {
		t := touched[key]
		a := KeyedAlert{TenantID: tenantID, AgentID: agentID, Source: SourceAgent, Key: key}
		if t.last.Kind == wire.EventCanary {
			a.Severity = "critical"
			a.Summary = fmt.Sprintf("canary file %s was %s", t.last.Path, accessWord(t.last.Access))
			if t.n > 1 {
				a.Summary += fmt.Sprintf(" (%d times)", t.n)
			}
		} else {
			a.Severity = "warning"
			a.Summary = fmt.Sprintf("decoy %s/%d touched by %s", t.last.Proto, t.last.Port, t.last.SourceIP)
			if t.n > 1 {
				a.Summary = fmt.Sprintf("decoy %s/%d touched %d times by %s, last %s", t.last.Proto, t.last.Port, t.n,
					plural(len(t.sources), "address", "addresses"), t.last.SourceIP)
			}
		}
		queueRaise(b, a)
	}
}

func alertKeyOf(e wire.SecurityEvent) string {
	if e.Kind == wire.EventCanary {
		return "canary:" + e.Path
	}
	return fmt.Sprintf("honeypot:%s/%d", e.Proto, e.Port)
}

func accessWord(a string) string {
	if a == "" {
		return "opened"
	}
	return a
}

// SecuritySource is one address that touched decoys, counted across the
// tenant's fleet.
type SecuritySource struct {
	SourceIP  string    `db:"source_ip"`
	Events    int       `db:"events"`
	Agents    int       `db:"agents"`
	Ports     []int32   `db:"ports"`
	FirstSeen time.Time `db:"first_seen"`
	LastSeen  time.Time `db:"last_seen"`
}

const securitySourcesSQL = `SELECT source_ip, count(*)::int AS events, count(DISTINCT agent_id)::int AS agents,
  array_agg(DISTINCT port ORDER BY port) AS ports, min(occurred_at) AS first_seen, max(occurred_at) AS last_seen
FROM security_events
WHERE tenant_id = $1 AND kind = 'honeypot' AND occurred_at >= $2 AND source_ip <> ''
GROUP BY source_ip ORDER BY count(DISTINCT agent_id) DESC, count(*) DESC, source_ip LIMIT $3`

// SecuritySources counts honeypot events since since by source address:
// one scanner touching many hosts is one row.
func (s *Store) SecuritySources(ctx context.Context, tenantID uuid.UUID, since time.Time, limit int) ([]SecuritySource, error) {
	rows, _ := s.pool.Query(ctx, securitySourcesSQL, tenantID, since, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[SecuritySource])
	if err != nil {
		return nil, fmt.Errorf("count decoy sources: %w", err)
	}
	return out, nil
}

// SecurityEvent is one stored decoy event with its agent's hostname.
type SecurityEvent struct {
	ID         int64     `db:"id"`
	AgentID    uuid.UUID `db:"agent_id"`
	Hostname   string    `db:"hostname"`
	Kind       string    `db:"kind"`
	OccurredAt time.Time `db:"occurred_at"`
	Proto      string    `db:"proto"`
	Port       int32     `db:"port"`
	SourceIP   string    `db:"source_ip"`
	SourcePort int32     `db:"source_port"`
	FirstBytes string    `db:"first_bytes"`
	Path       string    `db:"path"`
	Access     string    `db:"access"`
}

const recentSecurityEventsSQL = `SELECT e.id, e.agent_id, a.hostname, e.kind, e.occurred_at, e.proto, e.port, e.source_ip,
  e.source_port, e.first_bytes, e.path, e.access
FROM security_events e JOIN agents a ON a.id = e.agent_id
WHERE e.tenant_id = $1 AND e.occurred_at >= $2
ORDER BY e.occurred_at DESC, e.id DESC LIMIT $3`

// RecentSecurityEvents lists the tenant's decoy events since since, newest
// first, and how many there are in all.
func (s *Store) RecentSecurityEvents(ctx context.Context, tenantID uuid.UUID, since time.Time, limit int) ([]SecurityEvent, int, error) {
	rows, _ := s.pool.Query(ctx, recentSecurityEventsSQL, tenantID, since, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[SecurityEvent])
	if err != nil {
		return nil, 0, fmt.Errorf("list decoy events: %w", err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM security_events WHERE tenant_id = $1 AND occurred_at >= $2`,
		tenantID, since).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count decoy events: %w", err)
	}
	return out, n, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
