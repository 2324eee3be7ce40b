package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/monsys/monsys/wire"
)

const testBatchID = "0190d3c8-6f0e-7cc4-8f57-6a3e6b7f1a22"

func sampleBatch(series, samples int) *wire.Batch {
	b := &wire.Batch{BatchID: testBatchID, Seq: 7}
	for i := range series {
		m := wire.Metric{Name: fmt.Sprintf("node_cpu_seconds_total_%d", i%7),
			Labels: map[string]string{"mode": "user", "cpu": fmt.Sprint(i), "instance": "web-1"}}
		for j := range samples {
			m.Samples = append(m.Samples, wire.Sample{TimeMs: 1_800_000_000_000 + int64(j)*10_000, Value: float64(i*j) + 0.25})
		}
		b.Metrics = append(b.Metrics, m)
	}
	return b
}

func TestDecodeRoundTrip(t *testing.T) {
	in := sampleBatch(3, 4)
	in.Heartbeat = &wire.Heartbeat{UptimeS: 3600, AgentVersion: "1.2.3"}
	in.Inventory = []wire.InventoryPart{{Kind: "packages", Items: json.RawMessage(`[{"name":"openssl","version":"3.0.11"}]`)}}
	in.Alerts = []wire.Alert{{Key: "disk_full:/", Severity: "critical", Summary: "disk / is 97% full", State: "firing"}}
	body := wire.AppendBatchJSON(nil, in)

	var b Batch
	if err := Decode(body, &b, DefaultLimits); err != nil {
		t.Fatalf("Decode: %v\n%s", err, body)
	}
	if got := fmt.Sprintf("%x", b.BatchID); got != strings.ReplaceAll(testBatchID, "-", "") {
		t.Errorf("batch id %s", got)
	}
	if b.Seq != 7 || len(b.Series) != 3 || b.SampleCount() != 12 {
		t.Fatalf("seq %d, series %d, samples %d", b.Seq, len(b.Series), b.SampleCount())
	}
	for i, s := range b.Series {
		m := in.Metrics[i]
		if string(b.Str(s.Name)) != m.Name {
			t.Errorf("series %d name %q, want %q", i, b.Str(s.Name), m.Name)
		}
		labels := map[string]string{}
		prev := ""
		for _, l := range b.Labels[s.LabelsStart:s.LabelsEnd] {
			name := string(b.Str(l.Name))
			if name <= prev {
				t.Errorf("series %d labels not sorted: %q after %q", i, name, prev)
			}
			prev = name
			labels[name] = string(b.Str(l.Value))
		}
		if fmt.Sprint(labels) != fmt.Sprint(m.Labels) {
			t.Errorf("series %d labels %v, want %v", i, labels, m.Labels)
		}
		for j := s.SamplesStart; j < s.SamplesEnd; j++ {
			want := m.Samples[j-s.SamplesStart]
			if b.Times[j] != want.TimeMs || b.Values[j] != want.Value {
				t.Errorf("sample %d = (%d,%v), want %+v", j, b.Times[j], b.Values[j], want)
			}
		}
	}
	var hb wire.Heartbeat
	if err := json.Unmarshal(b.Heartbeat, &hb); err != nil || hb.UptimeS != 3600 {
		t.Errorf("heartbeat %s: %v", b.Heartbeat, err)
	}
	var inv []wire.InventoryPart
	if err := json.Unmarshal(b.Inventory, &inv); err != nil || len(inv) != 1 || inv[0].Kind != "packages" {
		t.Errorf("inventory %s: %v", b.Inventory, err)
	}
	var alerts []wire.Alert
	if err := json.Unmarshal(b.Alerts, &alerts); err != nil || len(alerts) != 1 || alerts[0].Key != "disk_full:/" {
		t.Errorf("alerts %s: %v", b.Alerts, err)
	}
	if b.MinTimeMs != 1_800_000_000_000 || b.MaxTimeMs != 1_800_000_030_000 {
		t.Errorf("time range %d..%d", b.MinTimeMs, b.MaxTimeMs)
	}
}

func TestDecodeEscapesAndUnicode(t *testing.T) {
	body := `{"batch_id":"` + testBatchID + `","metrics":[{"name":"up","labels":{"path":"C:\\\\temp\n\u00e9\ud83d\ude00","zz":"","a":"\"q\""},"samples":[[1,-0.5e-3]]}]}`
	var b Batch
	if err := Decode([]byte(body), &b, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	s := b.Series[0]
	if n := s.LabelsEnd - s.LabelsStart; n != 2 {
		t.Fatalf("%d labels, want 2 (the empty value is dropped)", n)
	}
	if v := string(b.Str(b.Labels[0].Value)); v != `"q"` {
		t.Errorf("a = %q", v)
	}
	if v := string(b.Str(b.Labels[1].Value)); v != "C:\\\\temp\né😀" {
		t.Errorf("path = %q", v)
	}
	if b.Values[0] != -0.0005 {
		t.Errorf("value %v", b.Values[0])
	}
}

func TestDecodeRefusals(t *testing.T) {
	id := `"batch_id":"` + testBatchID + `"`
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	cases := []struct {
		name, body string
		field      bool // FieldError (422) rather than SyntaxError (400)
	}{
		{"empty", ``, false},
		{"not an object", `[]`, false},
		{"truncated", `{` + id + `,"metrics":[{"name":"up","samples":[[1,2]`, false},
		{"trailing data", `{` + id + `}{}`, false},
		{"trailing comma", `{` + id + `,}`, false},
		{"missing batch id", `{"metrics":[]}`, true},
		{"batch id not a uuid", `{"batch_id":"abc"}`, true},
		{"unknown key", `{` + id + `,"extra":1}`, false},
		{"duplicate key", `{` + id + `,` + id + `}`, false},
		{"duplicate metric key", `{` + id + `,"metrics":[{"name":"a","name":"b"}]}`, false},
		{"bad metric name", `{` + id + `,"metrics":[{"name":"9lives","samples":[]}]}`, true},
		{"metric without name", `{` + id + `,"metrics":[{"samples":[]}]}`, true},
		{"bad label name", `{` + id + `,"metrics":[{"name":"up","labels":{"a-b":"x"}}]}`, true},
		{"label value not a string", `{` + id + `,"metrics":[{"name":"up","labels":{"a":1}}]}`, false},
		{"duplicate label", `{` + id + `,"metrics":[{"name":"up","labels":{"a":"x","a":"y"}}]}`, true},
		{"NaN", `{` + id + `,"metrics":[{"name":"up","samples":[[1,NaN]]}]}`, false},
		{"infinity by overflow", `{` + id + `,"metrics":[{"name":"up","samples":[[1,1e999]]}]}`, false},
		{"fractional timestamp", `{` + id + `,"metrics":[{"name":"up","samples":[[1.5,2]]}]}`, false},
		{"timestamp overflow", `{` + id + `,"metrics":[{"name":"up","samples":[[99999999999999999999,2]]}]}`, false},
		{"sample with three elements", `{` + id + `,"metrics":[{"name":"up","samples":[[1,2,3]]}]}`, false},
		{"invalid utf-8", `{` + id + `,"metrics":[{"name":"up","labels":{"a":"` + "\xff" + `"}}]}`, false},
		{"control character", `{` + id + `,"metrics":[{"name":"up","labels":{"a":"` + "\x01" + `"}}]}`, false},
		{"deep nesting", `{` + id + `,"inventory":` + deep + `}`, false},
		{"heartbeat not an object", `{` + id + `,"heartbeat":[1]}`, false},
		{"negative seq", `{` + id + `,"seq":-1}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b Batch
			err := Decode([]byte(tc.body), &b, DefaultLimits)
			var se *SyntaxError
			var fe *FieldError
			switch {
			case err == nil:
				t.Fatal("accepted")
			case tc.field && !errors.As(err, &fe):
				t.Fatalf("err = %T %v, want a FieldError", err, err)
			case !tc.field && !errors.As(err, &se):
				t.Fatalf("err = %T %v, want a SyntaxError", err, err)
			}
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	lim := DefaultLimits
	lim.MaxSeries = 2
	var b Batch
	body := wire.AppendBatchJSON(nil, sampleBatch(3, 1))
	var fe *FieldError
	if err := Decode(body, &b, lim); !errors.As(err, &fe) || fe.Field != "metrics" {
		t.Errorf("3 series over a limit of 2: %v", err)
	}
	lim.MaxSeries, lim.MaxLabels = 10, 2
	if err := Decode(body, &b, lim); !errors.As(err, &fe) || !strings.Contains(fe.Field, "labels") {
		t.Errorf("3 labels over a limit of 2: %v", err)
	}
}

func TestDecodeAllocatesNothingPerSampleWhenWarm(t *testing.T) {
	body := wire.AppendBatchJSON(nil, sampleBatch(50, 20)) // 1000 samples
	var b Batch
	if err := Decode(body, &b, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := Decode(body, &b, DefaultLimits); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("warm Decode of 1000 samples allocates %.1f times, want 0", allocs)
	}
}

func TestDecodeKeepsValuesExact(t *testing.T) {
	for _, v := range []float64{0, -0, 1, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1, 1e21, -123456.789} {
		in := &wire.Batch{BatchID: testBatchID, Metrics: []wire.Metric{{Name: "x", Samples: []wire.Sample{{TimeMs: -5, Value: v}}}}}
		var b Batch
		if err := Decode(wire.AppendBatchJSON(nil, in), &b, DefaultLimits); err != nil {
			t.Fatal(err)
		}
		if b.Values[0] != v || b.Times[0] != -5 {
			t.Errorf("%v came back as %v at %d", v, b.Values[0], b.Times[0])
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(wire.AppendBatchJSON(nil, sampleBatch(2, 2)))
	f.Add([]byte(`{"batch_id":"` + testBatchID + `","inventory":[{"kind":"x","items":[{"a":[1,{"b":null}],"c":"\u00e9"}]}],"alerts":[]}`))
	f.Add([]byte(`{"batch_id":"` + testBatchID + `","metrics":[{"name":"a","labels":{"b":"\ud800"},"samples":[[0,-0.0e+0]]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var b Batch
		if err := Decode(body, &b, DefaultLimits); err != nil {
			return
		}
		// Whatever decodes must re-encode to something that decodes the same.
		again := reencode(&b)
		var b2 Batch
		if err := Decode(again, &b2, DefaultLimits); err != nil {
			t.Fatalf("re-encoded batch does not decode: %v\n%s", err, again)
		}
		if b2.SampleCount() != b.SampleCount() || len(b2.Series) != len(b.Series) {
			t.Fatalf("round trip changed the batch")
		}
		for _, part := range [][]byte{b.Heartbeat, b.Inventory, b.Alerts} {
			if part != nil && !json.Valid(part) {
				t.Fatalf("captured part is not valid JSON: %q", part)
			}
		}
	})
}

func reencode(b *Batch) []byte {
	out := &wire.Batch{BatchID: testBatchID}
	for _, s := range b.Series {
		m := wire.Metric{Name: string(b.Str(s.Name)), Labels: map[string]string{}}
		for _, l := range b.Labels[s.LabelsStart:s.LabelsEnd] {
			m.Labels[string(b.Str(l.Name))] = string(b.Str(l.Value))
		}
		for j := s.SamplesStart; j < s.SamplesEnd; j++ {
			m.Samples = append(m.Samples, wire.Sample{TimeMs: b.Times[j], Value: b.Values[j]})
		}
		out.Metrics = append(out.Metrics, m)
	}
	return wire.AppendBatchJSON(nil, out)
}

// FuzzNumberMatchesStrconv holds the decoder's fast float path to
// strconv's correctly rounded answer.
func FuzzNumberMatchesStrconv(f *testing.F) {
	for _, s := range []string{"0", "-0", "0.1", "123456789012345", "1234567890123456", "0.000000000000000000001", "9007199254740993", "1.5e3", "-12.25"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, num string) {
		d := decoder{buf: []byte(num), b: &Batch{}}
		got, err := d.float64()
		if err != nil || d.pos != len(num) {
			return
		}
		want, serr := strconv.ParseFloat(num, 64)
		if serr != nil {
			t.Fatalf("decoder accepted %q, strconv says %v", num, serr)
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%q: decoder %v, strconv %v", num, got, want)
		}
	})
}

func TestParseUUID(t *testing.T) {
	for s, ok := range map[string]bool{
		"0190d3c8-6f0e-7cc4-8f57-6a3e6b7f1a22": true,
		"0190D3C8-6F0E-7CC4-8F57-6A3E6B7F1A22": true,
		"0190d3c8-6f0e-7cc4-8f57-6a3e6b7f1a2-": false, // the fuzzer's crasher: a dash where a digit belongs
		"0190d3c8-6f0e-7cc4-8f57-6a3e6b7f1a2":  false,
		"0190d3c86f0e-7cc4-8f57-6a3e6b7f1a22-": false,
		"g190d3c8-6f0e-7cc4-8f57-6a3e6b7f1a22": false,
	} {
		if _, got := parseUUID([]byte(s)); got != ok {
			t.Errorf("parseUUID(%q) ok = %v, want %v", s, got, ok)
		}
	}
}

// FuzzCompactSampleMatchesGrammar holds the compact fast path to the full
// grammar: whatever it accepts, the slow path reads the same way.
func FuzzCompactSampleMatchesGrammar(f *testing.F) {
	for _, s := range []string{"[1800000000000,0.125]", "[-5,-0.5]", "[0,0]", "[01,1]", "[1,1.]", "[1,123456789012345.6]", "[1,1e3]", "[ 1,2]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fast := decoder{buf: []byte(in), b: &Batch{}}
		ft, fv, ok := fast.compactSample()
		if !ok {
			if fast.pos != 0 {
				t.Fatalf("refused %q but moved to %d", in, fast.pos)
			}
			return
		}
		slow := decoder{buf: []byte(in), b: &Batch{}}
		if err := slow.sample(); err != nil {
			t.Fatalf("fast path accepted %q, grammar says %v", in, err)
		}
		if slow.pos != fast.pos || slow.b.Times[0] != ft || math.Float64bits(slow.b.Values[0]) != math.Float64bits(fv) {
			t.Fatalf("%q: fast (%d, %v, pos %d), slow (%d, %v, pos %d)", in, ft, fv, fast.pos, slow.b.Times[0], slow.b.Values[0], slow.pos)
		}
	})
}
