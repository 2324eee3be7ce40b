package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of the times in /proc/<pid>/stat: 100 on
// every Linux architecture Go supports (the kernel scales to it).
const clockTicks = 100

// ProcStat is what /proc/<pid>/stat says about one process's CPU.
type ProcStat struct {
	PID, PPID      int
	Utime, Stime   time.Duration // this process
	CUtime, CStime time.Duration // its children that exited and were waited for
}

// CPU is user plus system time of the process itself.
func (s ProcStat) CPU() time.Duration { return s.Utime + s.Stime }

// ParseProcStat parses the contents of /proc/<pid>/stat. The command name
// may hold spaces and parentheses, so fields are counted from the last ')'.
func ParseProcStat(b []byte) (ProcStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return ProcStat{}, errors.New("parse /proc stat: no (comm)")
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return ProcStat{}, fmt.Errorf("parse /proc stat pid: %w", err)
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 { // state ppid … cstime is field 17 of the line, index 14 here
		return ProcStat{}, fmt.Errorf("parse /proc stat: %d fields after comm, want at least 15", len(f))
	}
	var n [5]int64
	for i, idx := range []int{1, 11, 12, 13, 14} {
		if n[i], err = strconv.ParseInt(f[idx], 10, 64); err != nil {
			return ProcStat{}, fmt.Errorf("parse /proc stat field %d: %w", idx+3, err)
		}
	}
	tick := time.Second / clockTicks
	return ProcStat{PID: pid, PPID: int(n[0]), Utime: time.Duration(n[1]) * tick, Stime: time.Duration(n[2]) * tick,
		CUtime: time.Duration(n[3]) * tick, CStime: time.Duration(n[4]) * tick}, nil
}

// ReadProcStat reads /proc/<pid>/stat under root (normally "/proc").
func ReadProcStat(root string, pid int) (ProcStat, error) {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return ProcStat{}, fmt.Errorf("read stat of process %d: %w", pid, err)
	}
	return ParseProcStat(b)
}

// Memory is the resident set of one process, from /proc/<pid>/status.
type Memory struct {
	RSS, PeakRSS int64 // bytes: VmRSS and VmHWM
}

// ParseProcStatus reads VmRSS and VmHWM (kB) from /proc/<pid>/status.
func ParseProcStatus(b []byte) (Memory, error) {
	var m Memory
	var seen int
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("parse /proc status %s: %q", key, val)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("parse /proc status %s: %w", key, err)
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.PeakRSS = kb << 10
		}
		seen++
	}
	if seen != 2 {
		return m, errors.New("parse /proc status: no VmRSS and VmHWM")
	}
	return m, nil
}

// ReadMemory reads /proc/<pid>/status under root.
func ReadMemory(root string, pid int) (Memory, error) {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "status"))
	if err != nil {
		return Memory{}, fmt.Errorf("read status of process %d: %w", pid, err)
	}
	return ParseProcStatus(b)
}
