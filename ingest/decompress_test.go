package ingest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

func TestDecompressEncodings(t *testing.T) {
	d, err := NewDecompressor(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	plain := bytes.Repeat([]byte(`{"batch_id":"x"}`), 1000)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(plain)
	_ = zw.Close()
	enc, _ := zstd.NewWriter(nil)
	for name, tc := range map[string]struct {
		enc  string
		body []byte
	}{
		"identity": {"identity", plain},
		"none":     {"", plain},
		"gzip":     {"gzip", gz.Bytes()},
		"zstd":     {"zstd", enc.EncodeAll(plain, nil)},
		"snappy":   {"snappy", snappy.Encode(nil, plain)},
	} {
		out, err := d.Decode(tc.enc, tc.body, nil)
		if err != nil || !bytes.Equal(out, plain) {
			t.Errorf("%s: %d bytes, err %v", name, len(out), err)
		}
	}
	if _, err := d.Decode("br", plain, nil); !errors.Is(err, ErrUnsupportedEncoding) {
		t.Errorf("br: %v", err)
	}
	for _, enc := range []string{"gzip", "zstd", "snappy"} {
		if _, err := d.Decode(enc, []byte("garbage that is not compressed"), nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s garbage: %v, want ErrCorrupt", enc, err)
		}
	}
}

func TestDecompressReadsEveryZstdFrame(t *testing.T) {
	d, err := NewDecompressor(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := zstd.NewWriter(nil)
	a, b := bytes.Repeat([]byte("a"), 1000), bytes.Repeat([]byte("b"), 5000)
	out, err := d.Decode("zstd", append(enc.EncodeAll(a, nil), enc.EncodeAll(b, nil)...), nil)
	if err != nil || !bytes.Equal(out, append(a, b...)) {
		t.Fatalf("two frames: %d bytes, %v; want both frames' 6000", len(out), err)
	}
}

func TestDecompressStopsAtTheCap(t *testing.T) {
	const limit = 1 << 20
	d, err := NewDecompressor(limit)
	if err != nil {
		t.Fatal(err)
	}
	exact := make([]byte, limit)
	over := make([]byte, limit+1)
	enc, _ := zstd.NewWriter(nil)
	gzipOf := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return buf.Bytes()
	}
	// zstd without a declared size: the streaming writer leaves it out.
	var streamed bytes.Buffer
	sw, _ := zstd.NewWriter(&streamed)
	_, _ = sw.Write(over)
	_ = sw.Close()
	for name, tc := range map[string]struct {
		enc  string
		body []byte
		ok   bool
	}{
		"gzip at the cap":            {"gzip", gzipOf(exact), true},
		"gzip over":                  {"gzip", gzipOf(over), false},
		"zstd at the cap":            {"zstd", enc.EncodeAll(exact, nil), true},
		"zstd over, size declared":   {"zstd", enc.EncodeAll(over, nil), false},
		"zstd over, size undeclared": {"zstd", streamed.Bytes(), false},
		"snappy over":                {"snappy", snappy.Encode(nil, over), false},
		// A first frame that announces a small size, then more: the fast
		// path must not stop at the announcement nor skip the cap.
		"zstd small frame then a big one": {"zstd", append(enc.EncodeAll([]byte("x"), nil), streamed.Bytes()...), false},
		"identity over":                   {"identity", over, false},
	} {
		out, err := d.Decode(tc.enc, tc.body, nil)
		if tc.ok && (err != nil || len(out) != limit) {
			t.Errorf("%s: %d bytes, %v", name, len(out), err)
		}
		if !tc.ok && !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err %v, want ErrTooLarge", name, err)
		}
	}
}
