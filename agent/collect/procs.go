package collect

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/monsys/monsys/wire"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on
// every Linux architecture the agent is built for.
const clockTicks = 100

// procTable reads /proc/<pid>/stat for every process each pass and keeps
// the CPU time of the previous pass to rank processes by CPU share.
type procTable struct {
	paths Paths
	prev  map[int]procSample
	prevT time.Time
	users *userNames
	buf   []byte
}

type procSample struct {
	ticks uint64 // utime + stime
	start uint64 // start time in ticks after boot: tells a reused pid apart
}

type procInfo struct {
	pid      int
	name     string
	ticks    uint64
	start    uint64
	rss      uint64
	threads  int
	cpuRatio float64
}

func newProcTable(paths Paths) *procTable {
	return &procTable{paths: paths, prev: map[int]procSample{}, users: newUserNames(paths.etc()), buf: make([]byte, 0, 1024)}
}

// read counts the processes and threads into s and returns the topN by CPU
// share and the topN by resident memory (merged, each process once).
func (p *procTable) read(now time.Time, topN int, s *series) ([]wire.Process, error) {
	root := p.paths.proc()
	dir, err := os.Open(root)
	if err != nil {
		return nil, err
	}
	names, err := dir.Readdirnames(-1)
	_ = dir.Close() // read-only directory
	if err != nil {
		return nil, err
	}
	elapsed := now.Sub(p.prevT).Seconds()
	cur := make(map[int]procSample, len(p.prev))
	infos := make([]procInfo, 0, len(names))
	threads := 0
	pageSize := uint64(os.Getpagesize())
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		info, ok := p.stat(root, pid, pageSize)
		if !ok {
			continue // exited while we read
		}
		cur[pid] = procSample{ticks: info.ticks, start: info.start}
		if prev, ok := p.prev[pid]; ok && prev.start == info.start && elapsed > 0 && info.ticks >= prev.ticks {
			info.cpuRatio = float64(info.ticks-prev.ticks) / clockTicks / elapsed
		}
		threads += info.threads
		infos = append(infos, info)
	}
	p.prev, p.prevT = cur, now
	s.add("processes_total", float64(len(infos)))
	s.add("threads_total", float64(threads))
	return p.top(root, infos, topN), nil
}

// stat parses /proc/<pid>/stat: the name is between the first '(' and the
// last ')', the numbered fields follow.
func (p *procTable) stat(root string, pid int, pageSize uint64) (procInfo, bool) {
	b, err := readInto(p.buf[:0], filepath.Join(root, strconv.Itoa(pid), "stat"))
	p.buf = b[:0]
	if err != nil {
		return procInfo{}, false
	}
	open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || close < open || close+2 > len(b) {
		return procInfo{}, false
	}
	f := bytes.Fields(b[close+2:]) // f[0] is field 3 (state)
	if len(f) < 22 {
		return procInfo{}, false
	}
	num := func(i int) uint64 { v, _ := strconv.ParseUint(string(f[i-3]), 10, 64); return v }
	info := procInfo{pid: pid, name: string(b[open+1 : close]), ticks: num(14) + num(15),
		threads: int(num(20)), start: num(22), rss: num(24) * pageSize}
	return info, true
}

// top picks the topN by CPU then the topN by RSS, without repeats, and
// reads their command lines.
func (p *procTable) top(root string, infos []procInfo, topN int) []wire.Process {
	if topN <= 0 || len(infos) == 0 {
		return nil
	}
	picked := map[int]bool{}
	var out []wire.Process
	take := func(cmp func(a, b procInfo) int) {
		slices.SortFunc(infos, cmp)
		for _, in := range infos[:min(topN, len(infos))] {
			if picked[in.pid] {
				continue
			}
			picked[in.pid] = true
			out = append(out, p.process(root, in))
		}
	}
	take(func(a, b procInfo) int { return cmpDesc(a.cpuRatio, b.cpuRatio) })
	take(func(a, b procInfo) int { return cmpDesc(float64(a.rss), float64(b.rss)) })
	return out
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

func (p *procTable) process(root string, in procInfo) wire.Process {
	pr := wire.Process{PID: in.pid, Name: in.name, CPURatio: in.cpuRatio, RSSBytes: in.rss, NumThreads: in.threads,
		User: p.users.name(realUID(filepath.Join(root, strconv.Itoa(in.pid), "status")))}
	if b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(in.pid), "cmdline")); err == nil {
		b = bytes.TrimRight(b, "\x00")
		if len(b) > 256 {
			b = b[:256]
		}
		pr.Cmdline = string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
	}
	return pr
}

// readInto reads a small file into buf, reusing its capacity.
func readInto(buf []byte, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close() // read-only
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				return buf, nil
			}
			return buf, err
		}
	}
}
