package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// A stat line as the kernel writes it, with a command name holding a
// space and a parenthesis: utime 1234, stime 56, cutime 700, cstime 80.
const statLine = "4242 (postgres: wal) writer) S 4200 4200 4200 0 -1 4194560 300 0 0 0 1234 56 700 80 20 0 1 0 5000 200000000 2000 18446744073709551615 1 1 0 0 0 0 0 16781312 0 0 0 0 17 1 0 0 0 0 0\n"

func TestParseProcStat(t *testing.T) {
	st, err := ParseProcStat([]byte(statLine))
	if err != nil {
		t.Fatal(err)
	}
	want := ProcStat{PID: 4242, PPID: 4200, Utime: 12340 * time.Millisecond, Stime: 560 * time.Millisecond,
		CUtime: 7 * time.Second, CStime: 800 * time.Millisecond}
	if st != want {
		t.Errorf("ParseProcStat = %+v, want %+v", st, want)
	}
	for _, bad := range []string{"", "4242 no parens S 1", "x (a) S 1 2 3", "4242 (a) S 1 2"} {
		if _, err := ParseProcStat([]byte(bad)); err == nil {
			t.Errorf("ParseProcStat(%q) accepted a malformed line", bad)
		}
	}
}

func TestParseProcStatus(t *testing.T) {
	m, err := ParseProcStatus([]byte("Name:\tmonsys\nVmPeak:\t 900000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t9\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.PeakRSS != 200<<20 || m.RSS != 100<<20 {
		t.Errorf("ParseProcStatus = %+v, want peak 200 MiB, rss 100 MiB", m)
	}
	if _, err := ParseProcStatus([]byte("Name:\tkthreadd\n")); err == nil {
		t.Error("a status without VmRSS (a kernel thread) was accepted")
	}
}

// SampleCPU sums the hub, the postmaster with its reaped children, and the
// postmaster's live children, and nothing else.
func TestSampleCPUProcessTree(t *testing.T) {
	root := t.TempDir()
	write := func(pid, ppid, utime, stime, cutime, cstime int) {
		dir := filepath.Join(root, strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		line := strconv.Itoa(pid) + " (p) S " + strconv.Itoa(ppid) + " 0 0 0 -1 0 0 0 0 0 " +
			strconv.Itoa(utime) + " " + strconv.Itoa(stime) + " " + strconv.Itoa(cutime) + " " + strconv.Itoa(cstime) + " 20 0 1 0\n"
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(100, 1, 500, 100, 9999, 9999) // the hub: its own children (go build, pg_ctl) do not count
	write(200, 1, 10, 10, 300, 100)     // postmaster: 20 ticks + 400 reaped
	write(201, 200, 50, 50, 0, 0)       // a backend
	write(202, 200, 25, 25, 0, 0)       // another
	write(300, 1, 7000, 7000, 0, 0)     // some other process
	if err := os.Mkdir(filepath.Join(root, "self"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := SampleCPU(root, 100, 200)
	if err != nil {
		t.Fatal(err)
	}
	tick := time.Second / clockTicks
	if s.Hub != 600*tick || s.Postgres != (20+400+100+50)*tick {
		t.Errorf("SampleCPU = %+v, want hub %v, postgres %v", s, 600*tick, 570*tick)
	}
	if _, err := SampleCPU(root, 999, 0); err == nil {
		t.Error("a hub pid that does not exist gave no error")
	}
}

// On the real /proc, the process's own CPU agrees with what getrusage
// says for it, to the 10 ms tick /proc counts in.
func TestSampleCPUOfThisProcess(t *testing.T) {
	x := 0
	for cpuTime(t) < 100*time.Millisecond { // some CPU to count, however busy the machine
		x++
	}
	before := cpuTime(t)
	s, err := SampleCPU("/proc", os.Getpid(), 0)
	if err != nil {
		t.Fatal(err)
	}
	after := cpuTime(t)
	if s.Hub < before-30*time.Millisecond || s.Hub > after+10*time.Millisecond {
		t.Errorf("/proc says %v of CPU, getrusage %v to %v (%d turns)", s.Hub, before, after, x)
	}
}

func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
