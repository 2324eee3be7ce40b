package agent

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"

	"github.com/monsys/monsys/agent/sender"
	"github.com/monsys/monsys/agent/spool"
	"github.com/monsys/monsys/wire"
)

// selfStats reports the agent's own health as monsys_agent_* series.
type selfStats struct {
	statusPath string
}

func newSelfStats(proc string) *selfStats {
	return &selfStats{statusPath: filepath.Join(proc, "self", "status")}
}

func (s *selfStats) metrics(t int64, sp spool.Stats, snd sender.Stats, lost uint64) []wire.Metric {
	g := func(name string, v float64) wire.Metric {
		return wire.Metric{Name: name, Samples: []wire.Sample{{TimeMs: t, Value: v}}}
	}
	ms := []wire.Metric{
		g("monsys_agent_spool_batches", float64(sp.Batches)),
		g("monsys_agent_spool_bytes", float64(sp.Bytes)),
		g("monsys_agent_spool_dropped_batches_total", float64(sp.Dropped)),
		g("monsys_agent_batches_delivered_total", float64(snd.Delivered)),
		g("monsys_agent_batches_rejected_total", float64(snd.Rejected)),
		g("monsys_agent_send_retries_total", float64(snd.Retries)),
		g("monsys_agent_batches_lost_total", float64(lost)),
	}
	if rss, ok := s.rss(); ok {
		ms = append(ms, g("monsys_agent_resident_memory_bytes", float64(rss)))
	}
	return ms
}

// rss reads VmRSS of the agent's own process.
func (s *selfStats) rss() (uint64, bool) {
	b, err := os.ReadFile(s.statusPath)
	if err != nil {
		return 0, false
	}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(v)
			if len(f) >= 1 {
				kb, err := strconv.ParseUint(string(f[0]), 10, 64)
				return kb * 1024, err == nil
			}
		}
	}
	return 0, false
}
