package collect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/cpu"

	"github.com/monsys/monsys/wire"
)

// Paths says where the host's pseudo filesystems are. Empty fields mean
// the real ones (/proc, /sys, /etc).
type Paths struct {
	Proc, Sys, Etc string
}

func (p Paths) proc() string { return or(p.Proc, "/proc") }
func (p Paths) etc() string  { return or(p.Etc, "/etc") }

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Context returns ctx carrying the paths for gopsutil.
func (p Paths) Context(ctx context.Context) context.Context {
	env := common.EnvMap{}
	if p.Proc != "" {
		env[common.HostProcEnvKey] = p.Proc
	}
	if p.Sys != "" {
		env[common.HostSysEnvKey] = p.Sys
	}
	if p.Etc != "" {
		env[common.HostEtcEnvKey] = p.Etc
	}
	if len(env) == 0 {
		return ctx
	}
	return context.WithValue(ctx, common.EnvKey, env)
}

// Collector reads the host's metrics; see the package comment.
type Collector struct {
	paths    Paths
	topN     int
	counters *Counters
	prevCPU  *cpu.TimesStat
	procs    *procTable
	// containers is nil unless WithContainers asked for them.
	containers *containerReader
}

// New returns a Collector reading from paths that reports the topN
// processes by CPU and by memory.
func New(paths Paths, topN int) *Collector {
	return &Collector{paths: paths, topN: topN, counters: NewCounters(), procs: newProcTable(paths)}
}

// Reading is one pass: the series and the top processes.
type Reading struct {
	Metrics   []wire.Metric
	Processes []wire.Process
}

// Collect reads every source once at now. A source that fails is left out
// and its error joined into the returned error; the rest is still used.
func (c *Collector) Collect(ctx context.Context, now time.Time) (Reading, error) {
	ctx = c.paths.Context(ctx)
	s := &series{t: now.UnixMilli()}
	var errs []error
	for _, src := range []struct {
		name string
		read func(context.Context, *series) error
	}{
		{"cpu", c.cpu},
		{"load", c.load},
		{"memory", c.memory},
		{"filesystems", c.filesystems},
		{"disks", c.disks},
		{"network", c.network},
		{"host", c.host},
		{"containers", c.readContainers},
	} {
		if err := src.read(ctx, s); err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", src.name, err))
		}
	}
	procs, err := c.procs.read(now, c.topN, s)
	if err != nil {
		errs = append(errs, fmt.Errorf("read processes: %w", err))
	}
	c.counters.Sweep()
	return Reading{Metrics: s.ms, Processes: procs}, errors.Join(errs...)
}

// series accumulates one pass's metrics, all at one time.
type series struct {
	t  int64
	ms []wire.Metric
}

// add appends a gauge; labels are name, value pairs.
func (s *series) add(name string, v float64, labels ...string) {
	var l map[string]string
	if len(labels) > 0 {
		l = make(map[string]string, len(labels)/2)
		for i := 0; i+1 < len(labels); i += 2 {
			l[labels[i]] = labels[i+1]
		}
	}
	s.ms = append(s.ms, wire.Metric{Name: name, Labels: l, Samples: []wire.Sample{{TimeMs: s.t, Value: v}}})
}

// counter appends a counter kept monotonic by c.
func (s *series) counter(c *Counters, name string, raw uint64, labels ...string) {
	key := name
	for _, v := range labels {
		key += "\x00" + v
	}
	s.add(name, c.Observe(key, raw), labels...)
}
