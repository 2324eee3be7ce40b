package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ChunkBytes bounds one stored chunk of a recording.
const ChunkBytes = 64 << 10

// chunkWriter stores chunk seq of the session.
type chunkWriter func(ctx context.Context, seq int, data []byte, search string) error

// recorder turns the session's traffic into asciicast v2 event lines and
// stores them in bounded chunks; see the package comment.
type recorder struct {
	start time.Time
	write chunkWriter
	now   func() time.Time

	mu       sync.Mutex
	buf      []byte
	search   strings.Builder
	seq      int
	sum      hash.Hash
	carry    map[string][]byte // an incomplete UTF-8 sequence at the end of the last "o" or "i" data
	err      error             // the first failed write; every later event fails with it
	bytesIn  int64
	bytesOut int64
}

func newRecorder(start time.Time, now func() time.Time, write chunkWriter) *recorder {
	return &recorder{start: start, now: now, write: write, sum: sha256.New(), carry: map[string][]byte{}}
}

// Event codes of asciicast v2.
const (
	evOutput = "o"
	evInput  = "i"
	evResize = "r"
)

// output and input record terminal bytes; resize records a new size. An
// error means the recording failed: the session must end.
func (r *recorder) output(ctx context.Context, b []byte) error { return r.data(ctx, evOutput, b) }
func (r *recorder) input(ctx context.Context, b []byte) error  { return r.data(ctx, evInput, b) }
func (r *recorder) resize(ctx context.Context, cols, rows int) error {
	return r.event(ctx, evResize, strconv.Itoa(cols)+"x"+strconv.Itoa(rows), "")
}

func (r *recorder) data(ctx context.Context, code string, b []byte) error {
	r.mu.Lock()
	if code == evOutput {
		r.bytesOut += int64(len(b))
	} else {
		r.bytesIn += int64(len(b))
	}
	whole := append(r.carry[code], b...)
	cut := completeUTF8(whole)
	r.carry[code] = append([]byte(nil), whole[cut:]...)
	r.mu.Unlock()
	if cut == 0 {
		return nil
	}
	text := string(whole[:cut])
	return r.event(ctx, code, text, text)
}

// completeUTF8 is the length of b without a trailing incomplete UTF-8
// sequence (invalid bytes elsewhere are kept; JSON turns them into U+FFFD).
func completeUTF8(b []byte) int {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return len(b)
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-i:]) {
				return len(b)
			}
			return len(b) - i
		}
	}
	return len(b)
}

func (r *recorder) event(ctx context.Context, code, data, search string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	t := r.now().Sub(r.start).Seconds()
	r.buf = append(r.buf, '[')
	r.buf = strconv.AppendFloat(r.buf, t, 'f', 6, 64)
	r.buf = append(r.buf, ", \""...)
	r.buf = append(r.buf, code...)
	r.buf = append(r.buf, "\", "...)
	r.buf = appendJSONString(r.buf, data)
	r.buf = append(r.buf, "]\n"...)
	if search != "" {
		r.search.WriteString(searchable(search))
	}
	if len(r.buf) >= ChunkBytes {
		return r.flushLocked(ctx)
	}
	return nil
}

// flush writes what is buffered as the next chunk.
func (r *recorder) flush(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	return r.flushLocked(ctx)
}

func (r *recorder) flushLocked(ctx context.Context) error {
	if len(r.buf) == 0 {
		return nil
	}
	if err := r.write(ctx, r.seq, r.buf, r.search.String()); err != nil {
		r.err = err
		return err
	}
	r.sum.Write(r.buf)
	r.seq++
	r.buf = r.buf[:0]
	r.search.Reset()
	return nil
}

// finish flushes and returns the recording's SHA-256 (hex) and the bytes
// each way.
func (r *recorder) finish(ctx context.Context) (sum string, in, out int64, err error) {
	err = r.flush(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	return hex.EncodeToString(r.sum.Sum(nil)), r.bytesIn, r.bytesOut, err
}

func appendJSONString(dst []byte, s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(dst, bytes.TrimRight(b.Bytes(), "\n")...)
}

// ansi matches terminal escape sequences (CSI, OSC, two-byte escapes).
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-Z\\-_]`)

// searchable is text as a person read or typed it: escapes removed, no NUL.
func searchable(s string) string {
	s = ansi.ReplaceAllString(s, "")
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		if r == 0 || (r < 0x20 && r != '\n' && r != '\t') {
			if r == '\r' {
				return '\n'
			}
			return -1
		}
		return r
	}, s)
}

// HashRecording is the SHA-256 (hex) of a recording's chunks in order.
func HashRecording(chunks [][]byte) string {
	h := sha256.New()
	for _, c := range chunks {
		h.Write(c)
	}
	return hex.EncodeToString(h.Sum(nil))
}
