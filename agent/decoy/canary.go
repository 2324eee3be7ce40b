package decoy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/monsys/monsys/wire"
)

// canaryQuiet is how long a file's same access is not reported again.
const canaryQuiet = 5 * time.Second

// ParsePaths reads --canary-file: comma-separated absolute paths.
func ParsePaths(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("%q: a canary file is an absolute path", p)
		}
		out = append(out, filepath.Clean(p))
	}
	return out, nil
}

// Canaries watch files for being opened or written.
type Canaries struct {
	f       *os.File // the inotify descriptor, non-blocking so Close ends a Read
	byWatch map[int32]string
	q       *Queue
	log     *slog.Logger
	now     func() time.Time

	mu   sync.Mutex
	last map[string]time.Time // path + access → last reported
}

// Watch starts watching paths; a path that cannot be watched (missing,
// unreadable) is skipped with a warning.
func Watch(paths []string, q *Queue, log *slog.Logger) (*Canaries, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	c := &Canaries{f: os.NewFile(uintptr(fd), "inotify"), byWatch: map[int32]string{}, q: q, log: log, now: time.Now,
		last: map[string]time.Time{}}
	for _, p := range paths {
		wd, err := unix.InotifyAddWatch(fd, p, unix.IN_OPEN|unix.IN_MODIFY)
		if err != nil {
			log.Warn("canary file skipped: it cannot be watched", "path", p, "err", err)
			continue
		}
		c.byWatch[int32(wd)] = p
	}
	return c, nil
}

// Serve reports events until ctx ends.
func (c *Canaries) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = c.f.Close() }) // ends the Read below
	defer stop()
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		n, err := c.f.Read(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("read inotify: %w", err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			c.report(ev.Wd, ev.Mask)
			off += unix.SizeofInotifyEvent + int(ev.Len)
		}
	}
}

func (c *Canaries) report(wd int32, mask uint32) {
	path, ok := c.byWatch[wd]
	if !ok {
		return
	}
	access := "opened"
	if mask&unix.IN_MODIFY != 0 {
		access = "modified"
	}
	now := c.now()
	c.mu.Lock()
	key := path + "\x00" + access
	if t, seen := c.last[key]; seen && now.Sub(t) < canaryQuiet {
		c.mu.Unlock()
		return
	}
	c.last[key] = now
	c.mu.Unlock()
	c.q.add(wire.SecurityEvent{Kind: wire.EventCanary, At: now.UnixMilli(), Path: path, Access: access})
}
