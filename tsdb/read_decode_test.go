package tsdb

import (
	"encoding/binary"
	"math"
	"reflect"
	"testing"
	"time"
)

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// A bucket row in PostgreSQL's binary format decodes to the series, the
// bucket's Unix milliseconds (before 2000 and before 1970 too) and the value.
func TestDecodePoint(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999_500_000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999_500_000, time.UTC),
	} {
		us := at.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Microseconds()
		id, ms, v, err := decodePoint([][]byte{be64(42), be64(uint64(us)), be64(math.Float64bits(-0.25))})
		if err != nil {
			t.Fatal(err)
		}
		if id != 42 || ms != at.UnixMilli() || v != -0.25 {
			t.Errorf("%s: got (%d, %d, %v), want (42, %d, -0.25)", at, id, ms, v, at.UnixMilli())
		}
	}
}

func TestDecodePointRefusesWhatBucketsNeverHold(t *testing.T) {
	for name, raw := range map[string][][]byte{
		"null value":  {be64(1), be64(0), nil},
		"short id":    {be64(1)[:4], be64(0), be64(0)},
		"infinity":    {be64(1), be64(math.MaxInt64), be64(0)},
		"-infinity":   {be64(1), be64(1 << 63), be64(0)},
		"long bucket": {be64(1), append(be64(0), 0), be64(0)},
	} {
		if _, _, _, err := decodePoint(raw); err == nil {
			t.Errorf("%s: decoded without an error", name)
		}
	}
}

// Rows a tail appended out of order are put in series, then time order,
// and only from the given index on.
func TestSortFromOrdersBySeriesThenTime(t *testing.T) {
	p := Points{
		SeriesIDs: []int64{9, 1, 2, 1, 2, 1},
		TimesMs:   []int64{0, 10, 10, 30, 20, 20},
		Values:    []float64{-1, 1.1, 2.1, 1.3, 2.2, 1.2},
	}
	p.sortFrom(1)
	want := Points{
		SeriesIDs: []int64{9, 1, 1, 1, 2, 2},
		TimesMs:   []int64{0, 10, 20, 30, 10, 20},
		Values:    []float64{-1, 1.1, 1.2, 1.3, 2.1, 2.2},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %+v, want %+v", p, want)
	}
}
