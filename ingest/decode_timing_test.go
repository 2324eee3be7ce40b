package ingest

import (
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/monsys/monsys/wire"
)

// BenchmarkDecode: 1000-sample batches (100 series × 10 samples), as an
// agent sends every interval.
func BenchmarkDecode(b *testing.B) {
	body := wire.AppendBatchJSON(nil, sampleBatch(100, 10))
	var batch Batch
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Decode(body, &batch, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch.SampleCount())/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkDecompressAndDecode adds zstd, the agents' encoding.
func BenchmarkDecompressAndDecode(b *testing.B) {
	body := wire.AppendBatchJSON(nil, sampleBatch(100, 10))
	enc, _ := zstd.NewWriter(nil)
	compressed := enc.EncodeAll(body, nil)
	d, err := NewDecompressor(32 << 20)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	var batch Batch
	var buf []byte
	b.SetBytes(int64(len(compressed)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := d.Decode("zstd", compressed, buf)
		if err != nil {
			b.Fatal(err)
		}
		buf = out
		if err := Decode(out, &batch, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch.SampleCount())/b.Elapsed().Seconds(), "samples/s")
}
