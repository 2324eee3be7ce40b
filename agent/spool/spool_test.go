package spool

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
)

// TestSpoolKeepsOrderAcrossReopen appends batches, reopens the directory
// as a restarted agent would, and reads them back oldest first with their
// batch ids; removed batches stay removed and sequence numbers go on.
func TestSpoolKeepsOrderAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 5)
	for i := range ids {
		ids[i] = uuid.NewString()
		seq := s.NextSeq()
		if seq != uint64(i+1) {
			t.Fatalf("seq %d, want %d", seq, i+1)
		}
		if _, err := s.Append(seq, ids[i], []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	e, ok, err := s.Oldest()
	if err != nil || !ok || e.BatchID != ids[0] {
		t.Fatalf("oldest %+v %v %v, want %s", e, ok, err, ids[0])
	}
	if err := s.Remove(e.Seq, e.BatchID); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	// A crash mid-append leaves a .tmp file: never acknowledged, removed at open.
	if err := os.WriteFile(filepath.Join(dir, "00000000000000000099-"+uuid.NewString()+".zst.tmp"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 5; i++ {
		e, ok, err := s.Oldest()
		if err != nil || !ok || e.BatchID != ids[i] || e.Seq != uint64(i+1) || !bytes.Equal(e.Body, []byte{byte(i)}) {
			t.Fatalf("after reopen, batch %d: %+v %v %v", i, e, ok, err)
		}
		if err := s.Remove(e.Seq, e.BatchID); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := s.Oldest(); ok {
		t.Errorf("spool not empty after removing everything")
	}
	if seq := s.NextSeq(); seq != 6 {
		t.Errorf("next seq after reopen %d, want 6", seq)
	}
	if st := s.Stats(); st.Batches != 0 || st.Bytes != 0 {
		t.Errorf("stats %+v, want empty", st)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestSpoolCapDropsOldestAndCounts fills past the cap: the oldest batches
// go, exactly as many as the cap forces, and the count survives a reopen.
func TestSpoolCapDropsOldestAndCounts(t *testing.T) {
	dir := t.TempDir()
	const size, limit = 1000, 10_500
	s, err := Open(dir, limit)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("b"), size)
	var ids []string
	dropped := 0
	for range 25 {
		id := uuid.NewString()
		ids = append(ids, id)
		n, err := s.Append(s.NextSeq(), id, body)
		if err != nil {
			t.Fatal(err)
		}
		dropped += n
	}
	st := s.Stats()
	if st.Batches != 10 || st.Bytes != 10*size || st.Dropped != 15 || dropped != 15 {
		t.Fatalf("stats %+v, Append reported %d dropped; want 10 kept, 15 dropped", st, dropped)
	}
	if e, _, _ := s.Oldest(); e.BatchID != ids[15] {
		t.Errorf("oldest kept is %s, want the 16th batch %s", e.BatchID, ids[15])
	}
	s, err = Open(dir, limit)
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Dropped != 15 || st.Batches != 10 {
		t.Errorf("after reopen %+v, want 10 batches and 15 dropped", st)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("spool dir mode %v, want 0700", st.Mode().Perm())
	}
}

func TestSpoolRefusesBadIDs(t *testing.T) {
	s, err := Open(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"../../etc/passwd", "", "not-a-uuid", "01234567-89AB-cdef-0123-456789abcdef"} {
		if _, err := s.Append(1, id, []byte("x")); err == nil {
			t.Errorf("Append accepted batch id %q", id)
		}
	}
}
