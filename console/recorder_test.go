package console

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// memChunks keeps written chunks; fail makes the next write fail.
type memChunks struct {
	chunks [][]byte
	search []string
	fail   error
}

func (m *memChunks) write(_ context.Context, seq int, data []byte, search string) error {
	if m.fail != nil {
		return m.fail
	}
	if seq != len(m.chunks) {
		return errors.New("chunk out of order")
	}
	m.chunks = append(m.chunks, append([]byte(nil), data...))
	m.search = append(m.search, search)
	return nil
}

// replay decodes the recording's events of one code, concatenated.
func replay(t testing.TB, chunks [][]byte, code string) string {
	var out strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(bytes.Join(chunks, nil)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev []any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || len(ev) != 3 {
			t.Fatalf("event %q: %v", sc.Bytes(), err)
		}
		if ev[1] == code {
			out.WriteString(ev[2].(string))
		}
	}
	return out.String()
}

func newTestRecorder(m *memChunks) *recorder {
	start := time.Unix(1_800_000_000, 0)
	tick := start
	return newRecorder(start, func() time.Time { tick = tick.Add(time.Millisecond); return tick }, m.write)
}

// TestRecorderChunksAndHashes: output larger than a chunk is split into
// bounded chunks, replays byte for byte (a UTF-8 character split across
// reads included), and the hash is over the chunks in order.
func TestRecorderChunksAndHashes(t *testing.T) {
	m := &memChunks{}
	r := newTestRecorder(m)
	ctx := context.Background()
	want := strings.Repeat("héllo wörld 42\r\n", 10000)
	b := []byte(want)
	for i := 0; i < len(b); i += 4093 { // odd sizes split the two-byte characters
		if err := r.output(ctx, b[i:min(i+4093, len(b))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.input(ctx, []byte("rm -rf /tmp/x\r")); err != nil {
		t.Fatal(err)
	}
	if err := r.resize(ctx, 120, 40); err != nil {
		t.Fatal(err)
	}
	sum, in, out, err := r.finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := replay(t, m.chunks, "o"); got != want {
		t.Errorf("output replays %d bytes, want %d", len(got), len(want))
	}
	if in != 14 || out != int64(len(want)) {
		t.Errorf("bytes in %d out %d", in, out)
	}
	for i, c := range m.chunks {
		if len(c) > ChunkBytes+8<<10 {
			t.Errorf("chunk %d holds %d bytes", i, len(c))
		}
	}
	if len(m.chunks) < 3 || sum != HashRecording(m.chunks) {
		t.Errorf("%d chunks, hash %s vs %s", len(m.chunks), sum, HashRecording(m.chunks))
	}
	if !strings.Contains(strings.Join(m.search, ""), "rm -rf /tmp/x") {
		t.Error("typed text is not searchable")
	}
}

// TestRecorderFailsClosed: once a chunk write fails, every later event
// fails too, so the session ends.
func TestRecorderFailsClosed(t *testing.T) {
	m := &memChunks{}
	r := newTestRecorder(m)
	ctx := context.Background()
	m.fail = errors.New("disk on fire")
	if err := r.output(ctx, bytes.Repeat([]byte("x"), ChunkBytes)); err == nil {
		t.Fatal("a failed chunk write was not reported")
	}
	m.fail = nil
	if err := r.input(ctx, []byte("ls\r")); err == nil {
		t.Error("the recorder went on after a failed write")
	}
}

func TestSearchableStripsEscapes(t *testing.T) {
	if got := searchable("\x1b[1;31mred\x1b[0m\x00 \x1b]0;title\x07ok\r"); got != "red ok\n" {
		t.Errorf("searchable = %q", got)
	}
}

// FuzzRecorderReplaysUTF8: valid UTF-8 cut anywhere replays unchanged.
func FuzzRecorderReplaysUTF8(f *testing.F) {
	f.Add("héllo → wörld 😀", 3)
	f.Add("\x1b[0m\x00abc", 1)
	f.Fuzz(func(t *testing.T, s string, cut int) {
		if !utf8.ValidString(s) {
			return
		}
		m := &memChunks{}
		r := newTestRecorder(m)
		b := []byte(s)
		if cut < 0 {
			cut = -cut
		}
		cut %= len(b) + 1
		ctx := context.Background()
		if r.output(ctx, b[:cut]) != nil || r.output(ctx, b[cut:]) != nil {
			t.Fatal("write failed")
		}
		if _, _, _, err := r.finish(ctx); err != nil {
			t.Fatal(err)
		}
		if got := replay(t, m.chunks, "o"); got != s {
			t.Errorf("replayed %q, want %q", got, s)
		}
	})
}
