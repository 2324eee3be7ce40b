package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// Decompression errors, mapped to 413, 415 and 400 by the API.
var (
	ErrTooLarge            = errors.New("decoded body exceeds the limit")
	ErrUnsupportedEncoding = errors.New("unsupported Content-Encoding: use zstd, gzip or identity")
	ErrCorrupt             = errors.New("compressed body is corrupt")
	// errNoMemory: the hub-wide Budget has no room for the next buffer.
	errNoMemory = errors.New("the ingest memory budget is spent")
)

// Decompressor expands request bodies under a hard cap on decoded bytes,
// checked while decoding: a bomb stops at the cap, it is never inflated
// first and measured after, and no request allocates more than about
// twice the cap. It is safe for concurrent use; decoders are pooled.
type Decompressor struct {
	maxDecoded int
	zstds      sync.Pool // *zstd.Decoder, synchronous (concurrency 1)
	gzips      sync.Pool // *gzip.Reader
	newZstd    func() (*zstd.Decoder, error)
}

// NewDecompressor caps every decoded body at maxDecoded bytes.
func NewDecompressor(maxDecoded int) (*Decompressor, error) {
	d := &Decompressor{maxDecoded: maxDecoded}
	d.newZstd = func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1), // decode in the caller's goroutine: nothing to leak from the pool
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(uint64(maxDecoded)),
			zstd.WithDecodeAllCapLimit(true), // DecodeAll never grows dst: see unzstd
			zstd.WithDecoderMaxWindow(uint64(min(maxDecoded, 8<<20))))
	}
	zd, err := d.newZstd() // fail at start, not on the first request
	if err != nil {
		return nil, fmt.Errorf("create zstd decoder: %w", err)
	}
	d.zstds.Put(zd)
	return d, nil
}

// Close is a no-op kept for symmetry with other owners; pooled decoders
// hold no goroutines.
func (d *Decompressor) Close() {}

// Decode expands src, encoded as encoding ("zstd", "gzip", "snappy",
// "identity" or ""), reusing dst's memory. The result may alias src for
// identity.
func (d *Decompressor) Decode(encoding string, src, dst []byte) ([]byte, error) {
	return d.decode(encoding, src, dst, nil)
}

// decode is Decode charging every buffer to l before allocating it
// (errNoMemory when the budget has no room).
func (d *Decompressor) decode(encoding string, src, dst []byte, l *lease) ([]byte, error) {
	switch encoding {
	case "", "identity":
		if len(src) > d.maxDecoded {
			return nil, ErrTooLarge
		}
		return src, nil
	case "zstd":
		return d.unzstd(src, dst, l)
	case "gzip":
		return d.gunzip(src, dst, l)
	case "snappy":
		n, err := snappy.DecodedLen(src)
		if err != nil {
			return nil, fmt.Errorf("%w: snappy: %v", ErrCorrupt, err)
		}
		if n > d.maxDecoded {
			return nil, ErrTooLarge // the header's length is checked before any byte is decoded
		}
		if !l.take(max(n, cap(dst))) {
			return nil, errNoMemory
		}
		out, err := snappy.Decode(dst[:cap(dst)], src)
		if err != nil {
			return nil, fmt.Errorf("%w: snappy: %v", ErrCorrupt, err)
		}
		return out, nil
	}
	return nil, ErrUnsupportedEncoding
}

func (d *Decompressor) unzstd(src, dst []byte, l *lease) ([]byte, error) {
	zd, _ := d.zstds.Get().(*zstd.Decoder)
	if zd == nil {
		var err error
		if zd, err = d.newZstd(); err != nil {
			return nil, fmt.Errorf("create zstd decoder: %w", err)
		}
	}
	defer d.zstds.Put(zd)
	if err := zd.Reset(bytes.NewReader(src)); err != nil {
		return nil, fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
	}
	var hint int
	var h zstd.Header
	herr := h.Decode(src)
	// The decoder keeps a window of history as large as the frame asks,
	// up to its cap: charged whatever the frame then holds.
	// A single-segment frame (the agents' kind) decodes into its output
	// buffer, charged below, and needs no window of its own.
	window := min(d.maxDecoded, 8<<20)
	switch {
	case herr == nil && h.SingleSegment:
		window = 0
	case herr == nil && h.WindowSize > 0 && h.WindowSize < uint64(window):
		window = int(h.WindowSize)
	}
	if !l.take(window) {
		return nil, errNoMemory
	}
	if herr == nil && h.HasFCS {
		if h.FrameContentSize > uint64(d.maxDecoded) {
			return nil, ErrTooLarge // announced too large: refused before decoding a byte
		}
		hint = int(h.FrameContentSize)
		// The agents' case: one frame that announces its size. DecodeAll
		// into exactly that much room is the fast path; a body that holds
		// more than it announced fails it and takes the capped stream.
		if !l.take(max(hint, cap(dst))) {
			return nil, errNoMemory
		}
		if cap(dst) < hint {
			dst = make([]byte, 0, hint)
		}
		if out, err := zd.DecodeAll(src, dst[:0]); err == nil {
			return out, nil
		}
	}
	out, err := d.readCapped(zd, dst, hint, l)
	switch {
	case errors.Is(err, errNoMemory):
		return nil, err
	case errors.Is(err, zstd.ErrDecoderSizeExceeded), errors.Is(err, zstd.ErrWindowSizeExceeded):
		return nil, ErrTooLarge
	case err != nil && !errors.Is(err, ErrTooLarge):
		return nil, fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
	}
	return out, err
}

func (d *Decompressor) gunzip(src, dst []byte, l *lease) ([]byte, error) {
	zr, _ := d.gzips.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(src))
	} else {
		err = zr.Reset(bytes.NewReader(src))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrCorrupt, err)
	}
	defer d.gzips.Put(zr)
	// ISIZE, the last 4 bytes, is the decoded size mod 2^32 of the last
	// member: a hint only.
	var hint int
	if len(src) >= 18 {
		hint = int(binary.LittleEndian.Uint32(src[len(src)-4:]))
	}
	out, err := d.readCapped(zr, dst, hint, l)
	if err != nil && !errors.Is(err, ErrTooLarge) && !errors.Is(err, errNoMemory) {
		return nil, fmt.Errorf("%w: gzip: %v", ErrCorrupt, err)
	}
	return out, err
}

// readCapped reads r to the end into dst's memory under the cap. hint is
// the decoded size the stream announces (0 when it does not); a lying
// hint costs at most one buffer of the cap plus one byte. Without a hint
// the buffer doubles up to 8 MiB and then jumps to the cap, so a request
// never holds much more than the cap, live and garbage together. Reading
// byte cap+1 means the body is too large, whatever the stream claims.
func (d *Decompressor) readCapped(r io.Reader, dst []byte, hint int, l *lease) ([]byte, error) {
	out := dst[:0]
	want := min(max(hint, 64<<10), d.maxDecoded+1)
	if !l.take(max(want, cap(out))) {
		return nil, errNoMemory
	}
	if cap(out) < want {
		out = make([]byte, 0, want)
	}
	for {
		if len(out) == cap(out) {
			if len(out) > d.maxDecoded {
				return nil, ErrTooLarge
			}
			next := 2 * cap(out)
			if next > 8<<20 {
				next = d.maxDecoded + 1
			}
			next = min(next, d.maxDecoded+1)
			if !l.take(next) { // the old buffer stays charged: it is garbage until the next GC
				return nil, errNoMemory
			}
			grown := make([]byte, len(out), next)
			copy(grown, out)
			out = grown
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			if len(out) > d.maxDecoded {
				return nil, ErrTooLarge
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
