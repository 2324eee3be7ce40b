package load

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/tsdb"
)

// hostSeries are the series a monsys-agent sends that the dashboard draws:
// CPU, load, memory, two filesystems, a disk and a network interface.
var hostSeries = []struct {
	metric string
	labels map[string]string
}{
	{"cpu_usage_ratio", map[string]string{"cpu": "all"}},
	{"load1", nil}, {"load5", nil}, {"load15", nil},
	{"memory_total_bytes", nil}, {"memory_used_bytes", nil}, {"memory_cached_bytes", nil}, {"memory_used_ratio", nil},
	{"filesystem_used_ratio", map[string]string{"mount": "/", "device": "sda1"}},
	{"filesystem_used_ratio", map[string]string{"mount": "/var", "device": "sda2"}},
	{"disk_read_bytes_total", map[string]string{"device": "sda"}},
	{"disk_written_bytes_total", map[string]string{"device": "sda"}},
	{"network_receive_bytes_total", map[string]string{"interface": "eth0"}},
	{"network_transmit_bytes_total", map[string]string{"interface": "eth0"}},
}

// HostSeriesPerAgent is how many series HostMetrics writes for an agent.
var HostSeriesPerAgent = len(hostSeries)

// hostValue is series k of agent a at step i (time t): a daily wave with
// a per-agent phase for gauges, steadily growing counters, fixed sizes.
func hostValue(k, a int, i int64, t time.Time) float64 {
	day := float64(t.Unix()%86400) / 86400
	wave := 0.5 + 0.4*math.Sin(2*math.Pi*(day+float64(a)/7))
	jitter := float64((uint64(i)*2654435761+uint64(a*31+k)*40503)%64) / 640
	const gib = 1 << 30
	switch k {
	case 0: // cpu
		return math.Min(1, 0.05+0.6*wave*wave+jitter)
	case 1, 2, 3: // load
		return (0.2 + 3*wave + 10*jitter) / float64(k)
	case 4:
		return 16 * gib
	case 5:
		return (4 + 6*wave + 10*jitter) * gib
	case 6:
		return (3 + jitter*10) * gib
	case 7:
		return (4 + 6*wave + 10*jitter) / 16
	case 8:
		return 0.3 + float64(a%5)/10 + float64(i%1440)/1440*0.05
	case 9:
		return 0.6 + jitter
	default: // counters: bytes since boot
		return float64(i) * float64(k*1000*(a%3+1)) * (1 + wave)
	}
}

// HostMetrics writes the agent's host series (what a monsys-agent sends
// and the dashboard draws) for each agent of tenantID, at every step of
// [from, to), straight into samples by COPY. The agents must exist and
// must not ingest themselves: the series' label hashes are this package's,
// not the ingest pipeline's. It returns the rows written.
func HostMetrics(ctx context.Context, pool *pgxpool.Pool, tenantID uuid.UUID, agents []uuid.UUID, from, to time.Time, step time.Duration) (int64, error) {
	var in []tsdb.NewSeries
	for a := range agents {
		for _, s := range hostSeries {
			labels := s.labels
			if labels == nil {
				labels = map[string]string{}
			}
			lj, _ := json.Marshal(labels) // a map of strings always encodes
			h := sha256.Sum256(append([]byte(s.metric+"\x00"), lj...))
			in = append(in, tsdb.NewSeries{TenantID: tenantID, AgentID: &agents[a], Metric: s.metric, Labels: lj, LabelsHash: h[:16]})
		}
	}
	ids, err := tsdb.ResolveSeries(ctx, pool, in)
	if err != nil {
		return 0, fmt.Errorf("create host series: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	rows := &tsdb.SampleRows{}
	var buf []byte
	var total int64
	flush := func() error {
		if rows.Len() == 0 {
			return nil
		}
		var err error
		if buf, err = tsdb.CopySamples(ctx, conn.Conn().PgConn(), rows, buf); err != nil {
			return fmt.Errorf("copy host samples: %w", err)
		}
		total += int64(rows.Len())
		rows.Reset()
		return nil
	}
	start := from.Truncate(step)
	for i := int64(0); ; i++ {
		t := start.Add(time.Duration(i) * step)
		if !t.Before(to) {
			break
		}
		for a := range agents {
			for k := range hostSeries {
				rows.TimesMs = append(rows.TimesMs, t.UnixMilli())
				rows.SeriesIDs = append(rows.SeriesIDs, ids[a*len(hostSeries)+k])
				rows.Values = append(rows.Values, hostValue(k, a, i+t.Unix()/int64(step.Seconds()), t))
			}
		}
		if rows.Len() >= rowsPerCopy {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
}

const insertFleetSQL = `INSERT INTO agents (id, tenant_id, machine_id, hostname, os, arch, agent_version,
  heartbeat_interval_s, last_seen_at, governance)
SELECT gen_random_uuid(), $1, $2::text || '-machine-' || n, format('%s-%04s', $2::text, n), 'linux', 'amd64', '0.0.0-bench', 86400, now(),
  jsonb_build_object('environment', (ARRAY['production','staging','development','test'])[1 + n % 4],
                     'tags', jsonb_build_array('rack' || (n % 10)))
FROM generate_series(1, $3::int) AS n
RETURNING id`

// FleetAgents adds n online agents named prefix-0001 … to the tenant, with
// an environment and a rack tag each, and returns their ids.
func FleetAgents(ctx context.Context, pool *pgxpool.Pool, tenantID uuid.UUID, prefix string, n int) ([]uuid.UUID, error) {
	rows, err := pool.Query(ctx, insertFleetSQL, tenantID, prefix, n)
	if err != nil {
		return nil, fmt.Errorf("insert fleet agents: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("insert fleet agents: %w", err)
	}
	return ids, nil
}
