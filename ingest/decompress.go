package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// Decompression errors, mapped to 413 and 415 by the API.
var (
	ErrTooLarge            = errors.New("decoded body exceeds the limit")
	ErrUnsupportedEncoding = errors.New("unsupported Content-Encoding: use zstd, gzip or identity")
	ErrCorrupt             = errors.New("compressed body is corrupt")
)

// Decompressor expands request bodies under a hard cap on decoded bytes,
// checked while decoding: a bomb stops at the cap, it is never inflated
// first and measured after. It is safe for concurrent use.
type Decompressor struct {
	maxDecoded int
	zstd       *zstd.Decoder // DecodeAll is safe for concurrent use
	gzips      sync.Pool     // *gzip.Reader
}

// NewDecompressor caps every decoded body at maxDecoded bytes.
func NewDecompressor(maxDecoded int) (*Decompressor, error) {
	zd, err := zstd.NewReader(nil,
		zstd.WithDecoderMaxMemory(uint64(maxDecoded)),
		zstd.WithDecoderMaxWindow(uint64(min(maxDecoded, 8<<20))),
		zstd.WithDecoderConcurrency(0), // one decoder per GOMAXPROCS for DecodeAll
		zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, fmt.Errorf("create zstd decoder: %w", err)
	}
	return &Decompressor{maxDecoded: maxDecoded, zstd: zd}, nil
}

// Close releases the zstd decoders.
func (d *Decompressor) Close() { d.zstd.Close() }

// Decode expands src, encoded as encoding ("zstd", "gzip", "snappy",
// "identity" or ""), appending to dst[:0]. The result may alias src for
// identity.
func (d *Decompressor) Decode(encoding string, src, dst []byte) ([]byte, error) {
	switch encoding {
	case "", "identity":
		if len(src) > d.maxDecoded {
			return nil, ErrTooLarge
		}
		return src, nil
	case "zstd":
		out, err := d.zstd.DecodeAll(src, dst[:0])
		switch {
		case errors.Is(err, zstd.ErrDecoderSizeExceeded), errors.Is(err, zstd.ErrWindowSizeExceeded):
			return nil, ErrTooLarge
		case err != nil:
			return nil, fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
		}
		return out, nil
	case "gzip":
		return d.gunzip(src, dst)
	case "snappy":
		n, err := snappy.DecodedLen(src)
		if err != nil {
			return nil, fmt.Errorf("%w: snappy: %v", ErrCorrupt, err)
		}
		if n > d.maxDecoded {
			return nil, ErrTooLarge // the header's length is checked before any byte is decoded
		}
		out, err := snappy.Decode(dst[:cap(dst)], src)
		if err != nil {
			return nil, fmt.Errorf("%w: snappy: %v", ErrCorrupt, err)
		}
		return out, nil
	}
	return nil, ErrUnsupportedEncoding
}

func (d *Decompressor) gunzip(src, dst []byte) ([]byte, error) {
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
	buf := bytes.NewBuffer(dst[:0])
	// Read one byte past the cap: reaching it means the body is too large,
	// and the reader stops there whatever the stream claims.
	n, err := buf.ReadFrom(io.LimitReader(zr, int64(d.maxDecoded)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrCorrupt, err)
	}
	if n > int64(d.maxDecoded) {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}
