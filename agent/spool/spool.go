package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Entry is one spooled batch.
type Entry struct {
	Seq     uint64
	BatchID string
	Body    []byte // the batch as sent (zstd)
}

// Spool is a directory of batch files; see the package comment.
type Spool struct {
	dir     string
	maxSize int64

	mu       sync.Mutex
	files    []file // oldest first
	size     int64
	nextSeq  uint64
	dropped  uint64
	unsynced []string
	notify   chan struct{}
}

type file struct {
	seq     uint64
	batchID string
	size    int64
}

const droppedFile = "dropped"

// Open reads the spool in dir (created 0700 if missing) with a cap of
// maxSize bytes.
func Open(dir string, maxSize int64) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("restrict spool directory to its owner: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read spool directory: %w", err)
	}
	s := &Spool{dir: dir, maxSize: maxSize, nextSeq: 1, notify: make(chan struct{}, 1)}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			_ = os.Remove(filepath.Join(dir, name)) // an append cut short; never acknowledged
			continue
		}
		seqText, rest, ok := strings.Cut(name, "-")
		id, ok2 := strings.CutSuffix(rest, ".zst")
		seq, err := strconv.ParseUint(seqText, 10, 64)
		if !ok || !ok2 || err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		s.files = append(s.files, file{seq: seq, batchID: id, size: info.Size()})
		s.size += info.Size()
		s.nextSeq = max(s.nextSeq, seq+1)
	}
	sort.Slice(s.files, func(i, j int) bool { return s.files[i].seq < s.files[j].seq })
	if b, err := os.ReadFile(filepath.Join(dir, droppedFile)); err == nil {
		s.dropped, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64) // a garbled counter restarts at 0
	}
	if b, err := os.ReadFile(filepath.Join(dir, "seq")); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil {
			s.nextSeq = max(s.nextSeq, v+1)
		}
	}
	return s, nil
}

func (s *Spool) name(seq uint64, id string) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d-%s.zst", seq, id))
}

// NextSeq reserves the sequence number of the next batch.
func (s *Spool) NextSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := s.nextSeq
	s.nextSeq++
	_ = os.WriteFile(filepath.Join(s.dir, "seq"), []byte(strconv.FormatUint(seq, 10)), 0o600) // lost on crash: Open also reads the files
	return seq
}

// Append stores a batch, dropping the oldest batches while the spool
// would exceed its cap. It returns how many it dropped.
func (s *Spool) Append(seq uint64, batchID string, body []byte) (int, error) {
	if !validID(batchID) {
		return 0, fmt.Errorf("batch id %q is not a uuid", batchID)
	}
	path := s.name(seq, batchID)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, body, 0o600); err != nil {
		return 0, fmt.Errorf("write spool file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("rename spool file: %w", err)
	}
	s.mu.Lock()
	s.files = append(s.files, file{seq: seq, batchID: batchID, size: int64(len(body))})
	s.size += int64(len(body))
	s.unsynced = append(s.unsynced, path)
	dropped := 0
	for s.size > s.maxSize && len(s.files) > 1 {
		f := s.files[0]
		s.files = s.files[1:]
		s.size -= f.size
		_ = os.Remove(s.name(f.seq, f.batchID)) // already gone is as good as removed
		dropped++
	}
	if dropped > 0 {
		s.dropped += uint64(dropped)
		_ = os.WriteFile(filepath.Join(s.dir, droppedFile), []byte(strconv.FormatUint(s.dropped, 10)), 0o600) // best effort counter
	}
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return dropped, nil
}

// validID accepts the canonical uuid text form.
func validID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i, c := range id {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f'):
			return false
		}
	}
	return true
}

// Oldest returns the oldest batch, or ok false when the spool is empty.
func (s *Spool) Oldest() (Entry, bool, error) {
	for {
		s.mu.Lock()
		if len(s.files) == 0 {
			s.mu.Unlock()
			return Entry{}, false, nil
		}
		f := s.files[0]
		s.mu.Unlock()
		body, err := os.ReadFile(s.name(f.seq, f.batchID))
		if errors.Is(err, os.ErrNotExist) {
			s.forget(f.seq) // dropped by Append meanwhile
			continue
		}
		if err != nil {
			return Entry{}, false, fmt.Errorf("read spool file: %w", err)
		}
		return Entry{Seq: f.seq, BatchID: f.batchID, Body: body}, true, nil
	}
}

// Remove deletes a delivered (or refused) batch.
func (s *Spool) Remove(seq uint64, batchID string) error {
	s.forget(seq)
	if err := os.Remove(s.name(seq, batchID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove spool file: %w", err)
	}
	return nil
}

func (s *Spool) forget(seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.files {
		if f.seq == seq {
			s.size -= f.size
			s.files = append(s.files[:i], s.files[i+1:]...)
			return
		}
	}
}

// Notify is signalled (without blocking) after each Append.
func (s *Spool) Notify() <-chan struct{} { return s.notify }

// Stats are the spool's counters.
type Stats struct {
	Batches int
	Bytes   int64
	Dropped uint64 // batches removed unsent because the cap was reached, ever
}

// Stats returns the current counters.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Batches: len(s.files), Bytes: s.size, Dropped: s.dropped}
}

// Sync fsyncs the files appended since the last Sync and the directory.
func (s *Spool) Sync() error {
	s.mu.Lock()
	paths := s.unsynced
	s.unsynced = nil
	s.mu.Unlock()
	if len(paths) == 0 {
		return nil
	}
	var errs []error
	for _, p := range paths {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue // delivered before it was synced
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, f.Sync(), f.Close())
	}
	if d, err := os.Open(s.dir); err == nil {
		errs = append(errs, d.Sync(), d.Close())
	}
	return errors.Join(errs...)
}
