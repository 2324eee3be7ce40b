package ingest

import (
	"errors"
	"math"
	"testing"

	"github.com/prometheus/prometheus/prompb"
)

func marshalWriteRequest(t testing.TB, wr *prompb.WriteRequest) []byte {
	t.Helper()
	b, err := wr.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeRemoteWriteRoundTrip(t *testing.T) {
	wr := &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
		{
			Labels:  []prompb.Label{{Name: "job", Value: "node"}, {Name: "__name__", Value: "node_load1"}, {Name: "instance", Value: "web-1:9100"}},
			Samples: []prompb.Sample{{Value: 0.5, Timestamp: 1_800_000_000_000}, {Value: 0.75, Timestamp: 1_800_000_015_000}},
		},
		{
			Labels:    []prompb.Label{{Name: "__name__", Value: "up"}, {Name: "empty", Value: ""}},
			Samples:   []prompb.Sample{{Value: 1, Timestamp: 1_800_000_000_000}, {Value: math.NaN(), Timestamp: 1_800_000_015_000}},
			Exemplars: []prompb.Exemplar{{Labels: []prompb.Label{{Name: "trace_id", Value: "abc"}}, Value: 1, Timestamp: 1}},
		},
	}, Metadata: []prompb.MetricMetadata{{MetricFamilyName: "up", Help: "target up"}}}
	var b Batch
	if err := DecodeRemoteWrite(marshalWriteRequest(t, wr), &b, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if len(b.Series) != 2 || b.SampleCount() != 3 {
		t.Fatalf("%d series, %d samples; want 2 and 3 (the NaN staleness marker is skipped)", len(b.Series), b.SampleCount())
	}
	s := b.Series[0]
	if string(b.Str(s.Name)) != "node_load1" {
		t.Errorf("name %q", b.Str(s.Name))
	}
	var names []string
	for _, l := range b.Labels[s.LabelsStart:s.LabelsEnd] {
		names = append(names, string(b.Str(l.Name))+"="+string(b.Str(l.Value)))
	}
	if got := len(names); got != 2 || names[0] != "instance=web-1:9100" || names[1] != "job=node" {
		t.Errorf("labels %v, want sorted instance, job without __name__", names)
	}
	if b.Times[1] != 1_800_000_015_000 || b.Values[1] != 0.75 {
		t.Errorf("second sample (%d, %v)", b.Times[1], b.Values[1])
	}
	if n := b.Series[1].LabelsEnd - b.Series[1].LabelsStart; n != 0 {
		t.Errorf("up has %d labels, want 0 (empty values are absent)", n)
	}
}

func TestDecodeRemoteWriteRefusals(t *testing.T) {
	noName := marshalWriteRequest(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "job", Value: "x"}}}}})
	badName := marshalWriteRequest(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "a-b"}}}}})
	dupLabel := marshalWriteRequest(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{
		{Name: "__name__", Value: "up"}, {Name: "a", Value: "1"}, {Name: "a", Value: "2"}}}}})
	good := marshalWriteRequest(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "up"}},
		Samples: []prompb.Sample{{Value: 1, Timestamp: 1}}}}})
	var b Batch
	for name, tc := range map[string]struct {
		body  []byte
		field bool
	}{
		"no name":         {noName, true},
		"bad name":        {badName, true},
		"duplicate label": {dupLabel, true},
		"truncated":       {good[:len(good)-3], false},
		"garbage":         {[]byte{0xff, 0xff, 0xff}, false},
	} {
		err := DecodeRemoteWrite(tc.body, &b, DefaultLimits)
		var fe *FieldError
		var se *SyntaxError
		if (tc.field && !errors.As(err, &fe)) || (!tc.field && !errors.As(err, &se)) {
			t.Errorf("%s: err = %T %v", name, err, err)
		}
	}
}

func FuzzDecodeRemoteWrite(f *testing.F) {
	f.Add(marshalWriteRequest(f, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "up"}, {Name: "job", Value: "x"}},
		Samples: []prompb.Sample{{Value: 1, Timestamp: 1}}}}}))
	f.Add([]byte{0x0a, 0x00})
	f.Fuzz(func(t *testing.T, body []byte) {
		var b Batch
		if err := DecodeRemoteWrite(body, &b, DefaultLimits); err != nil {
			return
		}
		for _, s := range b.Series {
			if !validMetricName(b.Str(s.Name), DefaultLimits.MaxNameLen) {
				t.Fatalf("accepted invalid name %q", b.Str(s.Name))
			}
			if s.SamplesEnd < s.SamplesStart || s.SamplesEnd > len(b.Times) {
				t.Fatal("sample range out of bounds")
			}
		}
	})
}
