package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"github.com/creack/pty"

	"github.com/monsys/monsys/wire"
)

// maxInputFrame bounds one frame from the hub (input or control).
const maxInputFrame = 64 << 10

// session is one running console.
type session struct {
	id     string
	conn   *websocket.Conn
	ptmx   *os.File
	cmd    *exec.Cmd
	log    *slog.Logger
	idle   time.Duration
	max    time.Duration
	stopCh chan string // why the session must end (terminate, idle, max, hub gone)
	once   sync.Once

	activity chan struct{} // any input or output, resets the idle timer
}

// stop asks the session to end for reason; the first reason wins.
func (s *session) stop(reason string) {
	s.once.Do(func() { s.stopCh <- reason })
}

// run bridges the PTY and the WebSocket until the shell exits or the
// session is stopped, then kills the process group and reports the exit.
func (s *session) run(ctx context.Context) {
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		s.copyOutput(ctx)
	}()
	go s.readHub(ctx)
	exited := make(chan struct{})
	go func() {
		_ = s.cmd.Wait() // the exit status is read from ProcessState below
		close(exited)
	}()

	reason := s.supervise(ctx, exited)
	killSession(s.cmd.Process.Pid)
	<-exited
	select {
	case <-outDone: // the PTY drained to EIO once the last holder of its slave was gone
	case <-time.After(2 * time.Second):
		s.log.Warn("console output did not drain; closing the PTY", "session_id", s.id)
	}
	_ = s.ptmx.Close()
	<-outDone
	status := exitStatus(s.cmd.ProcessState)
	msg, _ := json.Marshal(wire.ConsoleControl{Type: wire.ConsoleExit, ExitStatus: &status, Reason: reason})
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = s.conn.Write(wctx, websocket.MessageText, msg) // the hub marks the session failed when it never arrives
	cancel()
	_ = s.conn.Close(websocket.StatusNormalClosure, "console ended")
	s.log.Info("console ended", "session_id", s.id, "exit_status", status, "reason", reason)
}

// supervise waits for the shell to exit or a reason to stop, enforcing
// the idle timeout and the maximum duration.
func (s *session) supervise(ctx context.Context, exited <-chan struct{}) string {
	maxT := time.NewTimer(s.max)
	defer maxT.Stop()
	idleT := time.NewTimer(s.idle)
	defer idleT.Stop()
	for {
		select {
		case <-exited:
			return "the shell exited"
		case r := <-s.stopCh:
			return r
		case <-ctx.Done():
			return "the agent is stopping"
		case <-maxT.C:
			return fmt.Sprintf("maximum duration %s reached", s.max)
		case <-idleT.C:
			return fmt.Sprintf("idle for %s", s.idle)
		case <-s.activity:
			if !idleT.Stop() {
				select {
				case <-idleT.C:
				default:
				}
			}
			idleT.Reset(s.idle)
		}
	}
}

func (s *session) touch() {
	select {
	case s.activity <- struct{}{}:
	default:
	}
}

// copyOutput sends what the shell writes as binary frames; a slow hub
// blocks the write and so the shell (backpressure through the PTY).
func (s *session) copyOutput(ctx context.Context) {
	buf := make([]byte, 32<<10)
	for {
		n, err := s.ptmx.Read(buf)
		if n > 0 {
			s.touch()
			if werr := s.conn.Write(ctx, websocket.MessageBinary, buf[:n]); werr != nil {
				s.stop("the hub connection failed: " + werr.Error())
				return
			}
		}
		if err != nil {
			return // EIO once the shell and its group are gone
		}
	}
}

// readHub applies input and resizes from the hub until the connection ends.
func (s *session) readHub(ctx context.Context) {
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				s.stop("the hub closed the session")
			} else {
				s.stop("the hub connection ended: " + err.Error())
			}
			return
		}
		if typ == websocket.MessageBinary {
			s.touch()
			if _, err := s.ptmx.Write(data); err != nil && !errors.Is(err, io.ErrClosedPipe) {
				s.log.Debug("console input not written", "session_id", s.id, "err", err)
			}
			continue
		}
		var c wire.ConsoleControl
		if json.Unmarshal(data, &c) != nil {
			continue
		}
		if c.Type == wire.ConsoleCloseShell {
			s.stop("closed by the hub: " + c.Reason)
			continue
		}
		if c.Type == wire.ConsoleResize && wire.ValidSize(c.Cols, c.Rows) {
			_ = pty.Setsize(s.ptmx, &pty.Winsize{Cols: uint16(c.Cols), Rows: uint16(c.Rows)}) // a closed PTY ends the session anyway
		}
	}
}

// killSession kills the shell's process group and every other group of
// its session: an interactive shell puts each background job in a group of
// its own, all inside the session the shell leads (Setsid, sid = its pid).
// A process that left the session with setsid(2) is out of reach, as it
// is for a terminal hang-up.
func killSession(sid int) {
	_ = syscall.Kill(-sid, syscall.SIGKILL)
	for _, pid := range sessionMembers(sid) {
		if pgid, err := syscall.Getpgid(pid); err == nil && pgid > 1 {
			_ = syscall.Kill(-pgid, syscall.SIGKILL) // the job's whole group
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// sessionMembers lists the processes whose session id is sid, from /proc.
func sessionMembers(sid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == sid {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command, which is in parentheses and may hold
		// spaces: state ppid pgrp session …
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 3 && f[3] == strconv.Itoa(sid) {
			out = append(out, pid)
		}
	}
	return out
}

// exitStatus is the shell's exit code, or 128+signal when a signal ended it.
func exitStatus(ps *os.ProcessState) int {
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
