package bench

import (
	"os"
	"strconv"
	"time"
)

// CPUSample is the CPU time used so far by the hub and by its database.
type CPUSample struct {
	Hub      time.Duration
	Postgres time.Duration // postmaster, live backends, and backends that exited
}

// SampleCPU reads the hub process's CPU and, when postmaster > 0, the
// CPU of the postmaster and of every process whose parent it is, plus the
// children the postmaster has reaped (its cutime+cstime), from /proc under
// root. A backend that exits between two samples moves from the live sum
// into the postmaster's reaped sum, so differences of samples count it
// once.
func SampleCPU(root string, hub, postmaster int) (CPUSample, error) {
	var s CPUSample
	st, err := ReadProcStat(root, hub)
	if err != nil {
		return s, err
	}
	s.Hub = st.CPU()
	if postmaster <= 0 {
		return s, nil
	}
	pm, err := ReadProcStat(root, postmaster)
	if err != nil {
		return s, err
	}
	s.Postgres = pm.CPU() + pm.CUtime + pm.CStime
	entries, err := os.ReadDir(root)
	if err != nil {
		return s, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == postmaster {
			continue
		}
		child, err := ReadProcStat(root, pid)
		if err != nil || child.PPID != postmaster {
			continue // gone since the listing, or not a backend
		}
		s.Postgres += child.CPU()
	}
	return s, nil
}

// Sub is the CPU used between two samples.
func (s CPUSample) Sub(earlier CPUSample) CPUSample {
	return CPUSample{Hub: s.Hub - earlier.Hub, Postgres: s.Postgres - earlier.Postgres}
}
